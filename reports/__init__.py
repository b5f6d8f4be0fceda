"""Pure analysis of a chat's accounts, and writers for text, PNG, CSV, JSON and HTML."""
