"""Pure analysis of a chat's accounts, and the writers that turn it into text, PNG, CSV, JSON, HTML."""
