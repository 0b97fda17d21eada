"""Header aliases in the languages our customers' sheets are written in.

The English table is the cases README's. Sheets made by people in Germany, France,
Spain, Portugal, Brazil, Italy or the Netherlands, and Google Forms in those
languages ("Zeitstempel", "Horodateur", "Marca temporal"), name the same columns in
their own words; a sheet should not need a column map for that. Aliases are written
as they normalize (lower case, letters and digits only); an accented alias also
matches without its accents, since people type either.
"""

from __future__ import annotations

import unicodedata

ENGLISH: dict[str, tuple[str, ...]] = {
    "name": ("name", "fullname", "contactname", "leadname"),
    "first_name": ("firstname", "givenname", "forename"),
    "last_name": ("lastname", "surname", "familyname"),
    "email": ("email", "emailaddress", "mail"),
    "phone": (
        "phone",
        "phonenumber",
        "mobile",
        "mobilenumber",
        "mobilephone",
        "telephone",
        "tel",
        "cellphone",
    ),
    "created_at": (
        "created",
        "createdat",
        "createdtime",
        "createddate",
        "date",
        "timestamp",
        "submittedat",
        "submissiondate",
        "datesubmitted",
    ),
    "channel": ("channel", "source", "leadsource", "platform", "utmsource"),
    "campaign": ("campaign", "campaignname", "utmcampaign"),
    "external_id": ("id", "leadid", "token"),
}

OTHER_LANGUAGES: dict[str, tuple[str, ...]] = {
    "name": (
        "vollständigername",  # de
        "nom",  # fr
        "nomcomplet",
        "nombre",  # es
        "nombrecompleto",
        "nome",  # pt, it
        "nomecompleto",
        "naam",  # nl
        "volledigenaam",
    ),
    "first_name": ("vorname", "prénom", "primernombre", "primeironome", "voornaam"),
    "last_name": (
        "nachname",
        "familienname",
        "nomdefamille",
        "apellido",
        "apellidos",
        "sobrenome",
        "apelido",
        "cognome",
        "achternaam",
    ),
    "email": (
        "emailadresse",  # de
        "mailadresse",
        "courriel",  # fr
        "adresseemail",
        "adressemail",
        "adresseélectronique",
        "correo",  # es
        "correoelectrónico",
        "endereçodeemail",  # pt
        "emaildecontato",
        "indirizzoemail",  # it
        "emailadres",  # nl
    ),
    "phone": (
        "telefon",  # de
        "telefonnummer",
        "handy",
        "handynummer",
        "mobilnummer",
        "mobiltelefon",
        "téléphone",  # fr
        "numérodetéléphone",
        "portable",
        "teléfono",  # es
        "númerodeteléfono",
        "móvil",
        "celular",  # es, pt
        "telemóvel",  # pt
        "telefone",
        "whatsapp",
        "telefono",  # it
        "cellulare",
        "numeroditelefono",
        "telefoon",  # nl
        "telefoonnummer",
        "mobielnummer",
    ),
    "created_at": (
        "datum",  # de, nl
        "zeitstempel",  # Google Forms de
        "erstelltam",
        "horodateur",  # Google Forms fr
        "horodatage",
        "datedecréation",
        "fecha",  # es
        "marcatemporal",  # Google Forms es
        "fechadecreación",
        "carimbodedatahora",  # Google Forms pt
        "datadecriação",
        "informazionecronologica",  # Google Forms it
        "datacreazione",
        "tijdstempel",  # Google Forms nl
    ),
    "channel": ("quelle", "kanal", "fuente", "canal", "origem", "origine", "bron"),
    "campaign": ("kampagne", "campagne", "campaña", "campanha", "campagna"),
}


def _without_accents(alias: str) -> str:
    decomposed = unicodedata.normalize("NFD", alias)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def build_aliases() -> dict[str, str]:
    """Normalized header -> field, English first (it wins any clash)."""
    table: dict[str, str] = {}
    for source in (ENGLISH, OTHER_LANGUAGES):
        for field, aliases in source.items():
            for alias in aliases:
                for form in (
                    unicodedata.normalize("NFC", alias),
                    _without_accents(alias),
                ):
                    table.setdefault(form, field)
    return table
