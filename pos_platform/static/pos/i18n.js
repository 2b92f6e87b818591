// The app's words in English and French. `t(key, {name: value})` fills {name}.
const STRINGS = {
  en: {
    title: 'Till', pair_title: 'Pair this device', pair_help: 'Type the pairing code an admin gave you.',
    pair_code: 'Pairing code', pair: 'Pair', pairing: 'Pairing…', pair_failed: 'Pairing failed: {message}',
    pair_offline: 'Pairing needs a connection.', loading: 'Loading the catalogue…',
    signin_title: 'Who is selling?', pin: 'PIN', sign_in: 'Sign in', wrong_pin: 'Wrong PIN ({left} tries left).',
    locked: 'Locked after 5 wrong PINs; try again in {minutes} min.', no_pin: 'This cashier has no PIN yet: set one online first.',
    no_pin_where: 'No PIN yet. Set one online in the back office, on your account page, then sync this till:',
    no_cashiers: 'No cashier can sign in yet: pull the catalogue online first.', cashier: 'Cashier',
    search: 'Search name or SKU', favourites: 'Favourites', no_results: 'No product found.',
    cart: 'Sale', empty_cart: 'Tap a product to add it.', qty: 'Qty', discount: 'Discount', remove: 'Remove',
    subtotal: 'Subtotal', tax: 'Tax', total: 'Total', pay: 'Pay', cancel: 'Cancel', new_sale: 'New sale',
    payment: 'Payment', cash: 'Cash', mobile_money: 'Mobile money', card: 'Card', amount: 'Amount',
    provider: 'Provider', reference: 'Reference', card_last4: 'Card last 4', auth_code: 'Auth code',
    add_payment: 'Add payment', due: 'Due', paid: 'Paid', change: 'Change', remaining: 'Remaining',
    complete: 'Complete sale', underpaid: 'Payments do not cover the total.', overpaid: 'Card and mobile money exceed the total.',
    sold: 'Sold', receipt: 'Receipt', print: 'Print', print58: '58 mm', print80: '80 mm',
    receipt_link: 'Customer receipt', receipt_pending: 'The customer link appears once the sale is uploaded.',
    low: 'Low', out: 'Out', in_stock: '{n} in stock', online: 'Online', offline: 'Offline', pending: '{n} to upload',
    last_sync: 'Last sync {when}', never: 'never', conflicts: '{n} with conflicts', sync_now: 'Sync now',
    shift: 'Shift', open_shift: 'Open shift', float: 'Opening float', close_shift: 'Close shift', counted: 'Counted {method}',
    cash_in: 'Cash in', cash_out: 'Cash out', cash_in_out: 'Cash in or out', count_to_close: 'Count the drawer, then close the shift', reason: 'Reason', shift_open: 'Shift open since {when}', no_shift: 'No shift open',
    sign_out: 'Sign out', revoked: 'This terminal was revoked. Its unsent sales are kept below: export them and ask an admin to pair a new terminal.',
    export: 'Export unsent operations', unsent: 'Unsent operations', rejected: 'Rejected: {message}',
    update_ready: 'A new version is ready.', update_now: 'Update', sales_today: 'Sales on this device',
    sale_detail: 'Sale', no_sales: 'No sale on this device yet.', void: 'Void', refund: 'Refund',
    void_title: 'Void this sale', refund_title: 'Refund', refund_line: '{name} (up to {n})', restock: 'Put back in stock',
    voided: 'Voided', refunded: 'Refunded', voided_by: 'VOIDED by {name}, {when}', refunded_on: 'Refunded {when}',
    approval_needed: "A manager's PIN is needed", approver: 'Manager', approver_pin: "Manager's PIN",
    no_approver: 'Nobody on this device may approve this.', reason_needed: 'Give a reason.',
    already_voided: 'This sale is already voided.', refund_too_much: 'At most {n} of {name} can be refunded.',
    refund_nothing: 'Choose what to refund.', uploaded: 'uploaded', to_upload: 'to upload',
    language: 'Français', close: 'Close', ok: 'OK', save: 'Save', menu: 'Menu', back: 'Back',
  },
  fr: {
    title: 'Caisse', pair_title: 'Appairer cet appareil', pair_help: "Saisissez le code d'appairage donné par un administrateur.",
    pair_code: "Code d'appairage", pair: 'Appairer', pairing: 'Appairage…', pair_failed: "Échec de l'appairage : {message}",
    pair_offline: "L'appairage demande une connexion.", loading: 'Chargement du catalogue…',
    signin_title: 'Qui vend ?', pin: 'Code PIN', sign_in: 'Se connecter', wrong_pin: 'Code PIN erroné (encore {left} essais).',
    locked: 'Bloqué après 5 codes erronés ; réessayez dans {minutes} min.', no_pin: "Ce caissier n'a pas encore de code PIN : définissez-en un en ligne d'abord.",
    no_pin_where: 'Pas encore de code PIN. Définissez-en un en ligne dans la gestion de la boutique, sur la page de votre compte, puis synchronisez cette caisse :',
    no_cashiers: 'Aucun caissier ne peut se connecter : synchronisez le catalogue en ligne.', cashier: 'Caissier',
    search: 'Chercher un nom ou une référence', favourites: 'Favoris', no_results: 'Aucun produit trouvé.',
    cart: 'Vente', empty_cart: 'Touchez un produit pour l\u2019ajouter.', qty: 'Qté', discount: 'Remise', remove: 'Retirer',
    subtotal: 'Sous-total', tax: 'Taxes', total: 'Total', pay: 'Payer', cancel: 'Annuler', new_sale: 'Nouvelle vente',
    payment: 'Paiement', cash: 'Espèces', mobile_money: 'Mobile money', card: 'Carte', amount: 'Montant',
    provider: 'Opérateur', reference: 'Référence', card_last4: '4 derniers chiffres', auth_code: "Code d'autorisation",
    add_payment: 'Ajouter un paiement', due: 'À payer', paid: 'Payé', change: 'Monnaie', remaining: 'Reste',
    complete: 'Valider la vente', underpaid: 'Les paiements ne couvrent pas le total.', overpaid: 'Carte et mobile money dépassent le total.',
    sold: 'Vendu', receipt: 'Reçu', print: 'Imprimer', print58: '58 mm', print80: '80 mm',
    receipt_link: 'Reçu du client', receipt_pending: 'Le lien client apparaît une fois la vente envoyée.',
    low: 'Bas', out: 'Épuisé', in_stock: '{n} en stock', online: 'En ligne', offline: 'Hors ligne', pending: '{n} à envoyer',
    last_sync: 'Dernière synchro {when}', never: 'jamais', conflicts: '{n} avec conflits', sync_now: 'Synchroniser',
    shift: 'Service', open_shift: 'Ouvrir le service', float: 'Fond de caisse', close_shift: 'Clôturer le service', counted: 'Compté {method}',
    cash_in: 'Entrée de caisse', cash_out: 'Sortie de caisse', cash_in_out: 'Entrée ou sortie de caisse', count_to_close: 'Comptez la caisse, puis clôturez le service', reason: 'Motif', shift_open: 'Service ouvert depuis {when}', no_shift: 'Aucun service ouvert',
    sign_out: 'Se déconnecter', revoked: 'Ce terminal a été révoqué. Ses ventes non envoyées sont conservées ci-dessous : exportez-les et demandez un nouveau terminal.',
    export: 'Exporter les opérations non envoyées', unsent: 'Opérations non envoyées', rejected: 'Refusée : {message}',
    update_ready: 'Une nouvelle version est prête.', update_now: 'Mettre à jour', sales_today: 'Ventes sur cet appareil',
    sale_detail: 'Vente', no_sales: 'Aucune vente sur cet appareil.', void: 'Annuler la vente', refund: 'Rembourser',
    void_title: 'Annuler cette vente', refund_title: 'Remboursement', refund_line: "{name} (jusqu'à {n})", restock: 'Remettre en stock',
    voided: 'Annulée', refunded: 'Remboursée', voided_by: 'ANNULÉE par {name}, {when}', refunded_on: 'Remboursé le {when}',
    approval_needed: "Le code PIN d'un responsable est nécessaire", approver: 'Responsable', approver_pin: 'Code PIN du responsable',
    no_approver: "Personne sur cet appareil ne peut l'autoriser.", reason_needed: 'Indiquez un motif.',
    already_voided: 'Cette vente est déjà annulée.', refund_too_much: 'Au plus {n} de {name} peuvent être remboursés.',
    refund_nothing: 'Choisissez ce qui est remboursé.', uploaded: 'envoyée', to_upload: 'à envoyer',
    language: 'English', close: 'Fermer', ok: 'OK', save: 'Enregistrer', menu: 'Menu', back: 'Retour',
  },
};

let lang = (localStorage.getItem('pos-lang') || navigator.language || 'en').slice(0, 2) === 'fr' ? 'fr' : 'en';

export function language() { return lang; }
export function toggleLanguage() { lang = lang === 'fr' ? 'en' : 'fr'; localStorage.setItem('pos-lang', lang); }

/** @param {string} key @param {Record<string, any>} [vars] */
export function t(key, vars) {
  const table = /** @type {Record<string, string>} */ (STRINGS[lang]);
  let s = table[key] ?? STRINGS.en[/** @type {keyof typeof STRINGS.en} */ (key)] ?? key;
  if (vars) for (const [k, v] of Object.entries(vars)) s = s.replaceAll(`{${k}}`, String(v));
  return s;
}
