from tests.casework.conftest import needs_info_factory  # noqa: F401
from tests.web.conftest import _throw_away_keys, signing_keys_dir  # noqa: F401  (the journey signs letters)
