"""Everything on the web: report links and pages, the moderators' dashboard and its API."""
