"""One module per URL space: teams, accounts, audit, health."""
