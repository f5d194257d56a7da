"""Date and number formats where Django has none (Kazakh) or differs from CLDR (Kyrgyz)."""
