from tests.casework.conftest import needs_info_factory  # noqa: F401
from tests.web.conftest import _throw_away_keys, client_for, signing_keys_dir  # noqa: F401  (the journey signs letters)
