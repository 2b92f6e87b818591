"""The back office's frame (``/portal/`` on a shop's host), shared by every app's pages.

* :mod:`~pos_platform.portal.pages`: the ``portal_page`` decorator (session, OTP step, MFA
  enrollment, the same ``can()`` as the API), refusals rendered as pages, the acting person;
* :mod:`~pos_platform.portal.once`: double-submit protection for writes that create money or
  stock rows, through the API's idempotency keys;
* :mod:`~pos_platform.portal.forms`: the form base class (errors beside their fields) and the
  mapping of a service's error onto a form;
* :mod:`~pos_platform.portal.formatting`: money, numbers and dates for the shop's currency,
  locale and time zone (babel);
* :mod:`~pos_platform.portal.navigation`: the menu, filtered by ``can()``;
* :mod:`~pos_platform.portal.pagination`: pages of a list without counting it;
* :mod:`~pos_platform.portal.charts`: small SVG charts rendered on the server.

Templates: ``portal/base.html`` (the layout), ``portal/fragment.html`` (what an htmx navigation
swaps into ``<main>``), partials ``portal/_*.html``. Static files: ``portal/portal.css`` (screen and
print) and ``portal/portal.js``; htmx itself comes from django-htmx. See docs/portal.md.
"""
