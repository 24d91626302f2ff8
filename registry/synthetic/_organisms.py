"""Organisms and sites of infection, weighted after the two papers.

Adults: Table 3 of Wo et al. (viral about half, bacterial about 40%, a few fungal and Babesia;
bloodstream, then upper respiratory, gastrointestinal and lower respiratory sites) and the organisms
its footnotes list. Children: the infections of maintenance chemotherapy - febrile neutropenia,
bacteremia with gut and mouth flora, outpatient streptococcal pharyngitis and urinary tract
infections, and respiratory viruses.
"""
from ._common import Pick

REACTION = Pick({"fever": .3, "chills": .15, "rash": .15, "headache": .2, "nausea and vomiting": .1,
                 "hypertension": .1})

ADULT_SITES = {
    "VIRAL": Pick({"UPPER_RESPIRATORY": .42, "LOWER_RESPIRATORY": .12, "GASTROINTESTINAL": .16,
                   "BLOODSTREAM": .2, "URINARY": .06, "MOUTH": .02, "SKIN_SOFT_TISSUE": .02}),
    "BACTERIAL": Pick({"BLOODSTREAM": .48, "URINARY": .14, "GASTROINTESTINAL": .14, "LOWER_RESPIRATORY": .12,
                       "INTRA_ABDOMINAL": .04, "SKIN_SOFT_TISSUE": .05, "BONE": .02, "MOUTH": .01}),
    "FUNGAL": Pick({"BLOODSTREAM": .45, "LOWER_RESPIRATORY": .55}),
    "PARASITIC": Pick({"BLOODSTREAM": 1}),
}

_RESPIRATORY_VIRUSES = {"Rhinovirus": .18, "Influenza A": .14, "Influenza B": .12, "Parainfluenza": .1,
                        "Respiratory syncytial virus": .1, "Metapneumovirus": .1, "SARS-CoV-2": .1,
                        "Rhinovirus/enterovirus": .06, "Adenovirus": .1}
_E_COLI, _KLEBSIELLA, _PSEUDOMONAS = "Escherichia coli", "Klebsiella pneumoniae", "Pseudomonas aeruginosa"
_MSSA = "Methicillin sensitive Staphylococcus aureus"

ADULT_ORGANISMS = {
    ("VIRAL", "UPPER_RESPIRATORY"): Pick(_RESPIRATORY_VIRUSES),
    ("VIRAL", "LOWER_RESPIRATORY"): Pick({"Influenza A": .2, "Respiratory syncytial virus": .2,
                                          "Metapneumovirus": .15, "SARS-CoV-2": .25, "Parainfluenza": .1,
                                          "Adenovirus": .1}),
    ("VIRAL", "GASTROINTESTINAL"): Pick({"Norovirus": .5, "Adenovirus": .3, "Cytomegalovirus": .2}),
    ("VIRAL", "BLOODSTREAM"): Pick({"Cytomegalovirus": .35, "Epstein Barr virus": .3, "Adenovirus": .25,
                                    "Human herpes virus 6": .1}),
    ("VIRAL", "URINARY"): Pick({"BK virus": 1}),
    ("VIRAL", "MOUTH"): Pick({"Herpes simplex virus": 1}),
    ("VIRAL", "SKIN_SOFT_TISSUE"): Pick({"Varicella zoster virus": .5, "Herpes simplex virus": .5}),
    ("BACTERIAL", "BLOODSTREAM"): Pick({
        _E_COLI: .16, _KLEBSIELLA: .14, _PSEUDOMONAS: .1, "Staphylococcus epidermidis": .14,
        "Staphylococcus hominis": .06, "Enterococcus faecium": .1, "Serratia marcescens": .06, _MSSA: .08,
        "Stenotrophomonas maltophilia": .04, "Lactobacillus rhamnosus": .02, "Bacteroides ovatus": .03,
        "Streptococcus mitis": .07}),
    ("BACTERIAL", "URINARY"): Pick({_E_COLI: .45, _KLEBSIELLA: .2, "Proteus mirabilis": .12,
                                    "Enterococcus faecium": .13, _PSEUDOMONAS: .1}),
    ("BACTERIAL", "GASTROINTESTINAL"): Pick({"Clostridioides difficile": .75, "Helicobacter pylori": .25}),
    ("BACTERIAL", "LOWER_RESPIRATORY"): Pick({_PSEUDOMONAS: .3, _KLEBSIELLA: .2, _MSSA: .25,
                                              "Stenotrophomonas maltophilia": .1, "Streptococcus pneumoniae": .15}),
    ("BACTERIAL", "INTRA_ABDOMINAL"): Pick({"Bacteroides ovatus": .5, _E_COLI: .3, "Enterococcus faecium": .2}),
    ("BACTERIAL", "SKIN_SOFT_TISSUE"): Pick({_MSSA: .6, _PSEUDOMONAS: .2, "Streptococcus pyogenes": .2}),
    ("BACTERIAL", "BONE"): Pick({_MSSA: 1}),
    ("BACTERIAL", "MOUTH"): Pick({"Streptococcus mitis": 1}),
    ("FUNGAL", "BLOODSTREAM"): Pick({"Candida glabrata": .5, "Candida albicans": .4, "Candida parapsilosis": .1}),
    ("FUNGAL", "LOWER_RESPIRATORY"): Pick({"Aspergillus fumigatus": .4, "Rhizopus": .2,
                                           "Probable invasive fungal infection": .4}),
    ("PARASITIC", "BLOODSTREAM"): Pick({"Babesia microti": 1}),
}

CHILD_BACTEREMIA = Pick({_E_COLI: .22, _KLEBSIELLA: .15, _PSEUDOMONAS: .12, "Streptococcus mitis": .25,
                         "Staphylococcus epidermidis": .18, "Enterococcus faecalis": .08})
CHILD_FUNGEMIA = Pick({"Candida albicans": .7, "Candida parapsilosis": .3})
CHILD_OUTPATIENT_DOCUMENTED = Pick({("UPPER_RESPIRATORY", "Streptococcus pyogenes"): .45,
                                    ("URINARY", _E_COLI): .4, ("SKIN_SOFT_TISSUE", _MSSA): .15})
CHILD_OUTPATIENT_CLINICAL_SITE = Pick({"UPPER_RESPIRATORY": .25, "URINARY": .1, "SKIN_SOFT_TISSUE": .3,
                                       "OTHER": .35})
CHILD_VIRUSES = Pick({
    ("UPPER_RESPIRATORY", "Rhinovirus"): .55, ("UPPER_RESPIRATORY", "Respiratory syncytial virus"): .1,
    ("UPPER_RESPIRATORY", "Influenza A"): .1, ("UPPER_RESPIRATORY", "Influenza B"): .05,
    ("UPPER_RESPIRATORY", "Parainfluenza"): .05, ("UPPER_RESPIRATORY", "Adenovirus"): .05,
    ("GASTROINTESTINAL", "Norovirus"): .05, ("SKIN_SOFT_TISSUE", "Varicella zoster virus"): .05})
