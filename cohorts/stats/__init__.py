"""Statistics for the registry's analyses: pure Python on scipy and statsmodels, no Django.

Functions take plain sequences, mappings or pandas objects and return frozen dataclasses.
Import from the modules themselves (nothing is re-exported here):

- ``results``: ``TestResult``, the p-value of one test and the variant that produced it.
- ``values``, ``descriptive``, ``comparisons``, ``formatting``: laboratory values, summaries,
  the papers' two-group tests (Fisher, Mann-Whitney, chi-square) and how figures are printed.
- ``contingency``: Freeman-Halton exact test, likelihood-ratio chi-square, conditional odds ratio.
- ``rank_tests``: Kruskal-Wallis and Wilcoxon signed-rank tests.
- ``rates``: Poisson rate ratio with a log(days at risk) offset (pediatric Tables 2-3).
- ``regression``: logistic regression with profile-likelihood CIs, screening, stepwise selection,
  collinearity and events-per-variable checks (pediatric Table 4).
"""
