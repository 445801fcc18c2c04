"""The fast path: speed work kept out of the rooms that must stay easiest to audit (issue 14).

Each part makes a path people wait on cheaper without changing its answer, has its switch and a plain fallback,
and is proven equal to that fallback by tests:

- `memo`: access rules and scoped querysets built once per process (ACCESS_MEMO), plugged into agencies.access's
  one seam; off, every rule is built anew.
- `checks`: the grants' query and the one-row "may see, may change" question compiled once (with ACCESS_MEMO);
  off, agencies.access asks them through the ORM every time.
- `statements`: hot reads compiled once and run as prepared statements (DATABASE_PREPARED_STATEMENTS); off, or
  when a queryset cannot be compiled, the ORM.
- `read_log`: the access-log event written by the read's own statement on PostgreSQL; elsewhere an INSERT apart.
- `token_cache`: API client tokens kept per connection until PostgreSQL notifies a change (API_TOKEN_CACHE);
  off, looked up on every request.
- `saves`: the write services' one-row locks, inserts, updates and looks compiled once (SERVICES_COMPILED); off,
  the ORM builds each statement on every call.
- `admin_menu`: the admin's menu and its sidebar HTML kept per grants, language and date (ADMIN_MENU_MEMO); off,
  every page asks each registered page's permissions and draws the sidebar anew.
- `admin_filters`: the long lists' filter panels drawn from parts encoded once per page (ADMIN_LEAN_FILTERS); off,
  Django's own.
- `rows`: set-based INSERT/COPY of many rows (intake) on PostgreSQL; elsewhere one INSERT per row.

Nothing in agencies.access imports this package: the rule is read without it.
"""
