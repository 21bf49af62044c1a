"""Link understanding: find links in a message and read what they are about, safely.

```python
reader = LinkReader(settings)
result = await reader.read("https://example.com/article")  # LinkInfo | LinkError, never raises
infos, errors = await reader.read_all(message_text)          # at most three links per message
await reader.aclose()
```
"""

from bot.links.guard import AddressPolicy, classify_ip
from bot.links.reader import LinkReader
from bot.links.types import LinkError, LinkErrorReason, LinkInfo, LinkKind
from bot.links.urls import MAX_URLS_PER_MESSAGE, find_urls

__all__ = [
    "MAX_URLS_PER_MESSAGE",
    "AddressPolicy",
    "LinkError",
    "LinkErrorReason",
    "LinkInfo",
    "LinkKind",
    "LinkReader",
    "classify_ip",
    "find_urls",
]
