"""``outputs/report/samenvatting.html``: the Dutch summary for the readers of the productivity-inclusion debate
(the Flemish "Vlaamse Versnelling"). It states the front page's facts (:func:`replication.report.front.facts`)
through Dutch templates: what was re-tested and how, the productivity-inclusion answer, the verdicts by study and
the key findings. No number is typed here; every one comes from ``claims.csv`` and the trade-off tables.
"""

from __future__ import annotations

import math

from replication.report.front import Facts, in_words
from replication.report.render import Document

VERDICTS = {
    "replicated": "bevestigd",
    "not replicated": "niet bevestigd",
    "inconclusive": "onbeslist",
    "not testable": "niet toetsbaar",
    "mixed": "gemengd",
}
STUDIES = {
    "FPB article and Table 1": "Artikel van het Planbureau en tabel 1",
    "Productivity: Michel and Rycx (2014)": "Productiviteit: Michel en Rycx (2014)",
    "Employment: Michel and Rycx (2012)": "Werkgelegenheid: Michel en Rycx (2012)",
    "Skills: Hertveldt and Michel (2013)": "Vaardigheden: Hertveldt en Michel (2013)",
}
SECTORS = {"manufacturing": "de industrie", "market_services": "de marktdiensten"}
#: the key findings of the studies in Dutch, by claim id (a claim the run does not have is left out)
CLAIMS = {
    "productivity_services_manufacturing": "Delokalisatie van zakelijke diensten verhoogde de productiviteit in de "
    "industrie",
    "productivity_materials_none": "Delokalisatie van materialen had geen effect op de productiviteit",
    "employment_none": "Delokalisatie had geen significant effect op de totale werkgelegenheid",
    "skills_offshoring_manufacturing": "Delokalisatie verlaagde het aandeel laaggeschoolden in de industrie",
    "skills_market_services_inconclusive": "In de marktdiensten geen eenduidig effect op de vaardigheidsstructuur",
    "decomposition_offshoring_35": "Delokalisatie verklaart ongeveer 35% van de daling van het aandeel "
    "laaggeschoolden (industrie, 1995-2007)",
    "decomposition_ceec_21": "Materialen uit Centraal- en Oost-Europa verklaren 21%",
    "decomposition_services_8": "Zakelijke diensten verklaren 8%",
    "decomposition_oecd_0": "Materialen uit OESO-landen verklaren niets",
    "decomposition_technology_17": "Technologische vooruitgang verklaart 17%",
    "ict_moderates": "Het effect is kleiner in bedrijfstakken met meer ICT",
}


TERMS = {
    "om_total": "delokalisatie van materialen",
    "os_total": "delokalisatie van diensten",
    "omo_total": "materialen (t.o.v. output)",
    "oso_total": "diensten (t.o.v. output)",
    "om_oecd": "materialen uit de OESO",
    "om_ceec": "materialen uit Centraal- en Oost-Europa",
    "om_asia": "materialen uit Azië",
    "pooled coefficients x Belgian changes": "gepoolde coëfficiënten x Belgische veranderingen",
    "wild p": "wilde p",
}


def nl(value: float, digits: int) -> str:
    """A number in Dutch notation: decimal comma, thousands point, a real minus sign."""
    if value is None or math.isnan(value):
        return "–"
    text = f"{value:,.{digits}f}".replace(",", " ").replace(".", ",").replace(" ", ".")
    return text.replace("-", "−")


def answer_nl(f: Facts) -> str:
    """The productivity-inclusion answer in Dutch: two sentences, units, one stated band level."""
    if not f.sectors:
        return (
            "Deze run bevat geen rekening van productiviteit tegenover inclusie: die wordt alleen gemaakt met de "
            "standaardgegevens (WIOD 2013) voor België."
        )
    band = f"{100 * f.level:.0f}%-band"
    parts = []
    for s in f.sectors:
        jobs = (
            f"een verandering van {nl(s.low_jobs_k, 1)} duizend laaggeschoolde banen ({band} {nl(s.low_jobs_low, 1)} "
            f"tot {nl(s.low_jobs_high, 1)} duizend)"
            if not math.isnan(s.low_jobs_k)
            else "geen geloofwaardige schatting van de laaggeschoolde banen (de controles van het vaardigheidskanaal "
            "falen daar)"
        )
        parts.append(
            f"voor {SECTORS.get(s.sector, s.sector)} een productiviteitswinst van {nl(s.output_pct, 2)}% van de "
            f"bruto-output bij gegeven inzet ({band} {nl(s.output_low, 2)} tot {nl(s.output_high, 2)}%) en {jobs}"
        )
    start, end = f.sectors[0].period.split("-")
    held = [SECTORS.get(s.sector, s.sector) for s in f.sectors if s.share_held]
    held_text = (
        f" Voor {' en '.join(held)} volgen de laaggeschoolde banen de reactie van de arbeidsuren bij het "
        "oorspronkelijke aandeel laaggeschoolden per bedrijfstak: de gepoolde schattingen van het "
        "vaardigheidskanaal zijn voor België niet geïdentificeerd (alleen als aanname getoond in het rapport)."
        if held
        else ""
    )
    return (
        f"Zoals delokalisatie en ICT tussen {start} en {end} veranderden, impliceren de schattingen "
        + "; ".join(parts)
        + "."
        + held_text
        + " De productiviteitswinst geldt bij gegeven inzet, de banen bij gegeven output: twee verschillende "
        "scenario's, naast elkaar getoond, zonder verhouding ertussen."
        + f" Een afweging, waarbij beide banden nul uitsluiten, wordt gemeten in {f.measured} van de {f.cases} "
        "gevallen (geschiedenis en scenario's); in de andere kunnen de publieke gegevens een productiviteitswinst ten "
        "koste van laaggeschoolde banen niet onderscheiden van geen effect."
    )


def build_samenvatting(f: Facts, claims) -> Document:
    """The Dutch summary page."""
    import pandas as pd

    doc = Document(lang="nl")
    doc.heading(1, "Delokalisatie en haar effecten voor België: replicatie op publieke gegevens (samenvatting)")
    c = f.counts
    doc.para(
        f"Dit rapport toetst {sum(c.values())} gepubliceerde bevindingen van de Belgische studie over delokalisatie "
        "(de samenvatting door het Federaal Planbureau van Michel en Rycx 2012, 2014 en Hertveldt en Michel 2013) "
        f"opnieuw, op publieke gegevens (WIOD en EU KLEMS; versie {f.vintage}, land {f.country}). Elke bevinding "
        "wordt beoordeeld volgens een regel die vastlag voor de cijfers berekend werden: "
        f"{c['replicated']} {VERDICTS['replicated']}, {c['not replicated']} {VERDICTS['not replicated']}, "
        f"{c['inconclusive']} {VERDICTS['inconclusive']} en {c['not testable']} {VERDICTS['not testable']} met "
        "publieke gegevens."
    )
    doc.heading(2, "Productiviteit en inclusie")
    doc.para(answer_nl(f))
    doc.para(
        "Wat de cijfers niet zeggen: de publieke gegevens zijn nationaal, dus dit zijn cijfers voor België en niet "
        "voor Vlaanderen; er zijn geen individuele overgangen (wie een baan verliest of vindt) en geen "
        "algemeen-evenwichtseffecten. De berekening staat in het Engelstalige rapport, sectie 6b."
    )
    doc.heading(2, "Oordelen per studie")
    doc.table(
        pd.DataFrame(
            [
                {"Studie": STUDIES.get(study, study), **{VERDICTS[v]: n for v, n in counts.items()}}
                for study, counts in f.by_study.items()
            ]
        ),
        "Aantal bevindingen per oordeel (outputs/claims.csv)",
    )
    key = claims[claims["id"].isin(list(CLAIMS))]
    if len(key):
        doc.heading(2, "De kernbevindingen")
        doc.table(
            pd.DataFrame(
                {
                    "Bevinding": [CLAIMS[i] for i in key["id"]],
                    "Onze schatting (interval)": [
                        in_words(" ".join(x for x in (o, i) if x), TERMS) or "–"
                        for o, i in zip(key["ours"], key["interval"], strict=True)
                    ],
                    "Oordeel": [VERDICTS.get(v, v) for v in key["verdict"]],
                }
            ),
            "Onze schattingen in de termen van de studie; intervallen: wild cluster bootstrap (95%)",
        )
    doc.para(
        "Het volledige rapport, met elke tabel en de redenen van elk oordeel (in het Engels): [index.html](index.html)."
    )
    return doc
