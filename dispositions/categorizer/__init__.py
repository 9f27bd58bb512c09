"""The complaint categorizer: normalization, keyword rules, a trained model, decisions."""
