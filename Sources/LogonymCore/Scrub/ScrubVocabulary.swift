/// The parameter names the scrub stage ships with. Patterns are folded as ``NameRules`` folds names (case, `-`, `_`,
/// `.`, brackets and trailing digits do not count: `first_name`, `firstName` and `FIRST-NAME` are one), `*` at
/// either end matches any text there.
extension ScrubSettings {
    /// Names whose values are replaced, whatever they hold.
    public static let defaultDenyNames: [String] =
        [
            // Secrets and sessions (and the name rules that catch their many spellings).
            "password", "passwd", "pwd", "pass", "passphrase", "passcode", "pin", "secret", "api_key", "apikey",
            "auth", "authorization", "credentials", "credential", "private_key", "token", "*token", "*password*",
            "*passwd*", "*secret*", "*apikey", "*sessionid", "*sessid", "session", "sid", "jsessionid", "sess",
            "session_state", "*sessionkey", "*invitecode*",
            "PHPSESSID", "ASPSESSIONID*", "CFID", "CFTOKEN", "osCsid", "zenid", "csrf", "xsrf", "*csrf*", "*xsrf*",
            "authenticity_token", "otp", "totp", "mfa_code", "verification_code", "jwt", "sig", "signature",
            "X-Amz-Signature", "X-Amz-Credential", "X-Amz-Security-Token", "X-Goog-Signature", "X-Goog-Credential",
            // OAuth, OpenID Connect, SAML, WS-Federation, Firebase, magic links.
            "code", "code_verifier", "client_secret", "assertion", "id_token_hint", "login_hint", "SAMLRequest",
            "SAMLResponse", "SAMLart", "RelayState", "wresult", "wctx", "ticket", "oobCode",
            // Identity and contact (English).
            "email", "mail", "*email*", "*e_mail*", "phone", "*phone*", "tel", "telephone", "mobile", "cell",
            "cellphone", "msisdn", "fax", "*mobilenumber*", "*mobileno*", "*cellnumber*", "*telnumber*", "whatsapp",
            "*whatsapp*", "name", "fullname", "full_name", "first_name", "*firstname*", "last_name",
            "*lastname*", "surname", "*surname*", "given_name", "*givenname*", "family_name", "*familyname*",
            "middle_name", "nickname", "display_name", "username", "*username*", "user", "login", "log", "fname",
            "lname",
            "mname", "forename", "*forename*", "*fullname*", "*customername*", "*holdername*", "*contactname*",
            "*billingname*", "*shippingname*", "*recipientname*", "*attendeename*", "*guestname*", "*yourname*",
            "name_first", "name_last", "*namefirst*", "*namelast*", "nom_complet", "*sendername*", "cardholder",
            "*cardholder*", "recipient",
            "user_login", "address", "*address*", "addr", "*streetaddr*", "street", "*street*", "ship_to", "bill_to",
            "zip", "zipcode",
            "*zipcode*", "postcode",
            "*postcode*", "postal_code", "*postalcode*", "dob", "birthdate", "*birthdate*", "birthday", "*birthday*",
            "date_of_birth", "*dateofbirth*", "bday", "*birth*", "dob*", "iban", "ssn", "social_security_number",
            "national_id",
            "tax_id",
            "card", "card_number", "*cardnumber*", "credit_card", "*creditcard*", "cc", "cc_number", "ccnum", "cvv",
            "cvc", "card_cvc",
            // French.
            "nom", "prenom", "prénom", "nom_de_famille", "telephone", "téléphone", "portable", "adresse", "rue",
            "code_postal", "date_de_naissance", "*naissance*", "nom_famille", "courriel", "mot_de_passe", "mdp", "nir",
            "numero_secu",
            // German.
            "vorname", "nachname", "familienname", "strasse", "straße", "hausnummer", "plz", "postleitzahl", "telefon",
            "*telefon*", "telefonnummer", "handy", "handynummer", "mobil", "geburtsdatum", "passwort", "*passwort*",
            "kennwort", "benutzername", "steuer_id", "geburtstag", "*geburts*", "geb_datum", "wohnort", "*rufnummer*",
            // Spanish.
            "nombre", "apellido", "*apellido*", "domicilio", "clave", "calle", "*nacimiento*", "telefono", "teléfono",
            "movil", "móvil",
            "celular", "direccion",
            "dirección", "codigo_postal", "código_postal", "correo", "correo_electronico", "contrasena", "contraseña",
            "fecha_nacimiento", "fecha_de_nacimiento", "dni", "nie", "nif",
            // Italian.
            "cognome", "nome", "parola_d_ordine", "intestatario", "*nascita*", "cellulare", "indirizzo",
            "codice_fiscale", "data_di_nascita",
            "data_nascita",
            // Dutch.
            "voornaam", "achternaam", "*achternaam*", "naam", "*volledigenaam*", "tussenvoegsel", "telefoon",
            "*telefoon*",
            "telefoonnummer", "mobiel",
            "adres", "straat", "huisnummer", "geboortedatum", "wachtwoord", "bsn", "bsn*", "burgerservicenummer",
            "sofinummer",
            "emailadres",
            // Marketing subscriber ids (Mailchimp, HubSpot, Marketo, Klaviyo, MailerLite, Salesforce, Vero, ConvertKit).
            "mc_eid", "_hsenc", "mkt_tok", "upn", "_ke", "_kx", "ml_subscriber", "ml_subscriber_hash", "sfmc_sub",
            "vero_id", "ck_subscriber_id", "subscriber_id", "customer_id", "user_id", "userid", "uid", "member_id",
        ]

    /// Names whose values are replaced only when they look like a token (``ValueDetectors/isTokenShaped(_:)``):
    /// OAuth's `state=af0ifjsldkj` goes, a store locator's `state=CA` stays.
    public static let defaultTokenNames: [String] = ["state", "nonce", "key", "auth_key"]

    /// Names taken off the deny list's patterns: pagination and continuation tokens, the tokens of public APIs and
    /// analytics that carry no person.
    public static let defaultKeepNames: [String] = [
        "page_token", "next_page_token", "nextpagetoken", "prev_page_token", "continuation_token", "pagination_token",
        "cursor_token", "sync_token", "resumption_token", "paging_token", "*pagetoken", "utm_*", "iphone*",
        "headphone*", "microphone*", "smartphone*", "phone_model",
    ]
}
