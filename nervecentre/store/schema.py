"""Imports every table module so that ``Base.metadata`` holds the whole schema."""

from nervecentre.cases import models as _cases  # noqa: F401
from nervecentre.cases import people as _people  # noqa: F401
from nervecentre.crawler import lead_models as _crawler_leads  # noqa: F401
from nervecentre.crawler import models as _crawler  # noqa: F401
from nervecentre.evidence import models as _evidence  # noqa: F401
from nervecentre.graph import chart_table as _charts  # noqa: F401
from nervecentre.hashing import models as _hashing  # noqa: F401
from nervecentre.library import models as _library  # noqa: F401
from nervecentre.resolve import models as _resolve  # noqa: F401
from nervecentre.scams import models as _scams  # noqa: F401
from nervecentre.security import keys as _keys  # noqa: F401
from nervecentre.security import models as _security  # noqa: F401
from nervecentre.store.base import Base

metadata = Base.metadata
