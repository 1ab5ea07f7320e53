def extract_quotes(text):
    return []
