"""The terminal app at ``/pos/`` on a shop's host: an installable offline PWA that speaks the
terminal protocol (docs/sync-protocol.md). Its code is static ES modules
(``pos_platform/static/pos/``, no build step); Django serves the page, the manifest and the
service worker, which must live under ``/pos/`` to control it."""
