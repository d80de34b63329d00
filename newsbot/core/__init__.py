"""Pure helpers: the one text normaliser, the one date parser, URLs and the dataset columns."""
