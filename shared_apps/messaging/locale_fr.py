# ruff: noqa: E501 - a table of translations, one message a line
"""The French catalogue of the messages and the receipt page, as source: after
``manage.py makemessages -l fr`` in an app of :data:`FOLDERS`, ``python -m
shared_apps.messaging.locale_fr`` fills its ``django.po`` from here and compiles ``django.mo``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pos_platform.portal.locale_fr_errors import ERRORS

FR: dict[Any, Any] = {
    "Sent by %(platform_name)s.": "Envoyé par %(platform_name)s.",
    "To stop these messages:": "Pour ne plus recevoir ces messages :",
    "Hello,": "Bonjour,",
    "Invoice %(invoice)s of %(total)s for %(shop_name)s is issued. Pay it by %(due_on)s quoting the reference %(reference)s.": "La facture %(invoice)s de %(total)s pour %(shop_name)s est émise. Réglez-la avant le %(due_on)s en indiquant la référence %(reference)s.",
    "We received %(total)s for invoice %(invoice)s. Thank you.": "Nous avons reçu %(total)s pour la facture %(invoice)s. Merci.",
    "Invoice %(invoice)s of %(total)s was due on %(due_on)s and is not paid. Pay it quoting the reference %(reference)s.": "La facture %(invoice)s de %(total)s était due le %(due_on)s et n'est pas réglée. Réglez-la en indiquant la référence %(reference)s.",
    "Invoice %(invoice)s of %(total)s is still unpaid: %(shop_name)s will be suspended on %(suspend_on)s. Pay it quoting the reference %(reference)s.": "La facture %(invoice)s de %(total)s n'est toujours pas réglée : %(shop_name)s sera suspendu le %(suspend_on)s. Réglez-la en indiquant la référence %(reference)s.",
    "%(shop_name)s is suspended because invoice %(invoice)s is unpaid. Sales made offline still upload; pay the invoice (reference %(reference)s) to open the shop again.": "%(shop_name)s est suspendu car la facture %(invoice)s n'est pas réglée. Les ventes faites hors ligne sont toujours reçues ; réglez la facture (référence %(reference)s) pour rouvrir la boutique.",
    "%(shop_name)s is open again. Thank you.": "%(shop_name)s est de nouveau ouvert. Merci.",
    "%(shop_name)s: invoice %(invoice)s %(total)s, due %(due_on)s, ref %(reference)s.": "%(shop_name)s : facture %(invoice)s %(total)s, échéance %(due_on)s, réf. %(reference)s.",
    "%(shop_name)s: payment of %(total)s received for %(invoice)s. Thank you.": "%(shop_name)s : paiement de %(total)s reçu pour %(invoice)s. Merci.",
    "%(shop_name)s: invoice %(invoice)s %(total)s is overdue, ref %(reference)s.": "%(shop_name)s : la facture %(invoice)s %(total)s est en retard, réf. %(reference)s.",
    "%(shop_name)s: pay invoice %(invoice)s (ref %(reference)s) before %(suspend_on)s to avoid suspension.": "%(shop_name)s : réglez la facture %(invoice)s (réf. %(reference)s) avant le %(suspend_on)s pour éviter la suspension.",
    "%(shop_name)s is suspended: invoice %(invoice)s unpaid, ref %(reference)s.": "%(shop_name)s est suspendu : facture %(invoice)s impayée, réf. %(reference)s.",
    "%(shop_name)s is open again.": "%(shop_name)s est de nouveau ouvert.",
    "Invoice %(invoice)s for %(shop_name)s": "Facture %(invoice)s pour %(shop_name)s",
    "Payment received for invoice %(invoice)s": "Paiement reçu pour la facture %(invoice)s",
    "Invoice %(invoice)s is overdue": "La facture %(invoice)s est en retard",
    "%(shop_name)s will be suspended on %(suspend_on)s": "%(shop_name)s sera suspendu le %(suspend_on)s",
    "%(shop_name)s is suspended": "%(shop_name)s est suspendu",
    "%(shop_name)s is open again": "%(shop_name)s est de nouveau ouvert",
    "%(shop_name)s, %(day)s": "%(shop_name)s, %(day)s",
    "Sales": "Ventes",
    "Refunds": "Remboursements",
    "After refunds": "Après remboursements",
    "Products low on stock": "Produits en stock bas",
    "Open conflicts": "Conflits ouverts",
    "Reports:": "Rapports :",
    "%(shop_name)s %(day)s: %(sales_count)s sales %(total)s, refunds %(refunds_amount)s, low stock %(low_stock)s, open conflicts %(open_conflicts)s.": "%(shop_name)s %(day)s : %(sales_count)s ventes %(total)s, remboursements %(refunds_amount)s, stock bas %(low_stock)s, conflits ouverts %(open_conflicts)s.",
    "%(shop_name)s: the day of %(day)s": "%(shop_name)s : la journée du %(day)s",
    "%(inviter)s invites you to work at %(shop_name)s as %(role)s. Accept the invitation here before %(expires)s:": "%(inviter)s vous invite à travailler chez %(shop_name)s comme %(role)s. Acceptez l'invitation ici avant le %(expires)s :",
    "Your invitation code: %(code)s": "Votre code d'invitation : %(code)s",
    "%(shop_name)s invites you as %(role)s. Accept before %(expires)s: %(url)s": "%(shop_name)s vous invite comme %(role)s. Acceptez avant le %(expires)s : %(url)s",
    "You are invited to %(shop_name)s": "Vous êtes invité chez %(shop_name)s",
    "These products fell below their reorder level:": "Ces produits sont passés sous leur seuil de réapprovisionnement :",
    "%(level)s left, reorder at %(reorder)s": "il en reste %(level)s, seuil %(reorder)s",
    "Stock levels:": "Niveaux de stock :",
    "Low stock at %(shop_name)s:": "Stock bas chez %(shop_name)s :",
    (
        "%(shop_name)s: %(counter)s product is low on stock",
        "%(shop_name)s: %(counter)s products are low on stock",
    ): (
        "%(shop_name)s : %(counter)s produit en stock bas",
        "%(shop_name)s : %(counter)s produits en stock bas",
    ),
    "%(by)s removed the authenticator app and backup codes of your account. At your next sign-in at %(shop_name)s you set up a new authenticator:": "%(by)s a supprimé l'application d'authentification et les codes de secours de votre compte. À votre prochaine connexion chez %(shop_name)s, vous configurerez une nouvelle application :",
    "If you did not ask for this, tell the shop's owner at once.": "Si vous ne l'avez pas demandé, prévenez tout de suite le propriétaire de la boutique.",
    "%(shop_name)s: your authenticator was reset by %(by)s. Set up a new one at your next sign-in.": "%(shop_name)s : votre authentification a été réinitialisée par %(by)s. Configurez-en une nouvelle à votre prochaine connexion.",
    "Two-factor sign-in was reset at %(shop_name)s": "La connexion à deux facteurs a été réinitialisée chez %(shop_name)s",
    "%(shop_name)s is ready at %(shop_url)s. You are its owner. Choose your password here within %(hours)s hours, then set up your authenticator app at the first sign-in:": "%(shop_name)s est prêt à l'adresse %(shop_url)s. Vous en êtes le propriétaire. Choisissez votre mot de passe ici d'ici %(hours)s heures, puis configurez votre application d'authentification à la première connexion :",
    "%(shop_name)s is ready. Choose your password within %(hours)s h: %(url)s": "%(shop_name)s est prêt. Choisissez votre mot de passe d'ici %(hours)s h : %(url)s",
    "Your shop %(shop_name)s is ready": "Votre boutique %(shop_name)s est prête",
    "The password of your account was changed at %(shop_name)s (%(when)s). Your other sessions and API tokens were signed out.": "Le mot de passe de votre compte a été changé chez %(shop_name)s (%(when)s). Vos autres sessions et jetons d'API ont été déconnectés.",
    "If this was not you, reset your password at once and tell the shop's owner.": "Si ce n'était pas vous, réinitialisez tout de suite votre mot de passe et prévenez le propriétaire de la boutique.",
    "%(shop_name)s: your password was changed. Not you? Reset it: %(reset_url)s": "%(shop_name)s : votre mot de passe a été changé. Pas vous ? Réinitialisez-le : %(reset_url)s",
    "Your password at %(shop_name)s was changed": "Votre mot de passe chez %(shop_name)s a été changé",
    "Someone asked to reset the password of your account at %(shop_name)s. If it was you, choose a new password here within %(minutes)s minutes:": "Quelqu'un a demandé à réinitialiser le mot de passe de votre compte chez %(shop_name)s. Si c'était vous, choisissez un nouveau mot de passe ici d'ici %(minutes)s minutes :",
    "The link works once. If you did not ask for it, ignore this message: your password stays as it is.": "Le lien ne fonctionne qu'une fois. Si vous ne l'avez pas demandé, ignorez ce message : votre mot de passe reste inchangé.",
    "%(shop_name)s: reset your password within %(minutes)s min: %(url)s": "%(shop_name)s : réinitialisez votre mot de passe d'ici %(minutes)s min : %(url)s",
    "Reset your password at %(shop_name)s": "Réinitialisez votre mot de passe chez %(shop_name)s",
    "Receipt": "Reçu",
    "Thank you for your purchase.": "Merci pour votre achat.",
    "Total": "Total",
    "Your receipt online": "Votre reçu en ligne",
    "To stop these messages": "Ne plus recevoir ces messages",
    "of which tax %(tax_total)s": "dont taxes %(tax_total)s",
    "Your receipt online:": "Votre reçu en ligne :",
    "%(shop_name)s: receipt %(receipt_number)s, total %(total)s. Thank you! %(url)s": "%(shop_name)s : reçu %(receipt_number)s, total %(total)s. Merci ! %(url)s",
    "Your receipt %(receipt_number)s from %(shop_name)s": "Votre reçu %(receipt_number)s de %(shop_name)s",
    "Your code to open %(shop_name)s is %(code)s. It is valid for %(minutes)s minutes.": "Votre code pour ouvrir %(shop_name)s est %(code)s. Il est valable %(minutes)s minutes.",
    "If you did not ask for it, ignore this message.": "Si vous ne l'avez pas demandé, ignorez ce message.",
    "Your code to open %(shop_name)s: %(code)s (valid %(minutes)s min).": "Votre code pour ouvrir %(shop_name)s : %(code)s (valable %(minutes)s min).",
    "Your code: %(code)s": "Votre code : %(code)s",
    # The opt-out page.
    "Stop these messages": "Ne plus recevoir ces messages",
    "This link is not valid.": "Ce lien n'est pas valable.",
    "Done: %(address)s will not receive these messages any more.": "C'est fait : %(address)s ne recevra plus ces messages.",
    "Stop “%(category)s” messages to %(address)s?": "Ne plus envoyer de messages « %(category)s » à %(address)s ?",
    "Stop messages to %(address)s?": "Ne plus envoyer de messages à %(address)s ?",
    "Stop them": "Ne plus les recevoir",
    # The public receipt page (tenant_apps/receipts).
    "This sale was voided.": "Cette vente a été annulée.",
    "Refunded: %(refunded)s": "Remboursé : %(refunded)s",
    "Date": "Date",
    "Items": "Articles",
    "Item": "Article",
    "Amount": "Montant",
    "discount": "remise",
    "Totals": "Totaux",
    "Subtotal": "Sous-total",
    "Discounts": "Remises",
    "included": "incluse",
    "Change": "Monnaie rendue",
    "QR code of this receipt": "Code QR de ce reçu",
    "Print": "Imprimer",
    # Sending a receipt from the back office.
    "Back to the sale": "Retour à la vente",
    "Email": "E-mail",
    "Language": "Langue",
    "No such sale.": "Cette vente n'existe pas.",
    "Phone number or email": "Numéro de téléphone ou e-mail",
    "Send": "Envoyer",
    "Send by": "Envoyer par",
    "Send the receipt": "Envoyer le reçu",
    "Sent to": "Envoyé à",
    "The customer's receipt is online at:": "Le reçu du client est en ligne à l'adresse :",
    "The receipt is on its way.": "Le reçu est en route.",
}
# The services' refusals, shown by the back office in French.
FR.update({msgid: french for msgid, french in ERRORS.items() if msgid not in FR})

# The apps whose catalogues come from this one.
FOLDERS = ("shared_apps/messaging/locale/fr/LC_MESSAGES", "tenant_apps/receipts/locale/fr/LC_MESSAGES")


def write(folder: str, table: Mapping[Any, Any] = FR) -> list[str]:
    """Fill ``folder/django.po`` from ``table`` (msgid -> msgstr; a plural's singular -> its two
    French forms; a message with a context is keyed ``"context\x04msgid"``, as gettext keys it)
    and compile ``django.mo``; returns the msgids without a translation."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po, write_po

    po = f"{folder}/django.po"
    with open(po, "rb") as f:
        catalog = read_po(f, locale="fr")
    catalog.fuzzy = False  # the header, once filled from here, is final
    missing = []
    for message in catalog:
        if not message.id:
            continue
        # A plural is keyed by its two English forms or by its singular.
        key = (
            message.id
            if message.id in table
            else (message.id[0] if isinstance(message.id, tuple) else message.id)
        )
        if message.context and f"{message.context}\x04{key}" in table:
            key = f"{message.context}\x04{key}"
        if key in table:
            message.string = table[key]
            message.flags.discard("fuzzy")
        else:
            missing.append(str(key))
    with open(po, "wb") as f:
        write_po(f, catalog, width=100)
    with open(f"{folder}/django.mo", "wb") as f:
        write_mo(f, catalog)
    return missing


def write_all(folders: tuple[str, ...], table: Mapping[Any, Any]) -> None:
    """:func:`write` each folder (relative to the checkout), printing what is left untranslated."""
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent.parent
    for folder in folders:
        left = write(str(root / folder), table)
        print(folder + ": " + ("; ".join(f"untranslated: {m}" for m in left) or "complete"))


if __name__ == "__main__":
    write_all(FOLDERS, FR)
