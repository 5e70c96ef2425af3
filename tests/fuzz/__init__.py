"""Property-based fuzzing of every form and htmx endpoint (hypothesis).

`crawl` finds each endpoint and its real field names by reading the pages people see,
`payloads` builds hostile form data from those names, `checks` says what every answer must
hold, and `test_endpoints` puts them together, one test per URL pattern.
"""
