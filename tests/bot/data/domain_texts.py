"""Twenty short texts from twenty domains, written for the tagger's tests (issue #14's failures, and more).

Each case names the subject tag a person would file it under (None where no single subject is clear enough
to insist on), tags that must never appear (the failures an editor deleted), and tags that must appear.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class DomainCase:
    id: str
    text: str
    subject: str | None
    """The general subject tag expected among the first five tags."""
    banned: tuple[str, ...] = ()
    """Tags an editor would delete."""
    wanted: tuple[str, ...] = ()
    """Tags that must be among the first five."""
    political: bool = False
    """Whether a person who avoids politics should see tags dropped."""
    extra: dict[str, str] = field(default_factory=dict)


DOMAIN_CASES: tuple[DomainCase, ...] = (
    DomainCase(
        "nba",
        "The Los Angeles Lakers beat the Boston Celtics 112-104 on Tuesday night. LeBron James scored 31 "
        "points and grabbed ten rebounds, and Anthony Davis added 24 as the Lakers won their fourth straight "
        "game. Boston's Jayson Tatum missed a late three-pointer that would have tied it.",
        "basketball",
        banned=("112-104", "ten", "tuesday", "beat", "boston", "celtics", "lakers-won"),
        wanted=("los-angeles-lakers",),
    ),
    DomainCase(
        "central-bank",
        "The central bank held interest rates at 5.25% on Wednesday, saying inflation is cooling but remains "
        "above its 2% target. Economists expect the first rate cuts early next year as wage growth slows and "
        "mortgage costs weigh on households.",
        "economics",
        banned=("held-interest", "cuts", "wednesday", "first"),
        wanted=("inflation",),
    ),
    DomainCase(
        "webb",
        "The James Webb Space Telescope has found signs of water vapour in the atmosphere of a rocky "
        "exoplanet 40 light-years away. Astronomers used its infrared spectrograph to study starlight "
        "filtering through the planet's atmosphere as it crossed its star.",
        "astronomy",
        banned=("webb-space", "light", "water", "space-telescope"),
        wanted=("james-webb-space-telescope",),
    ),
    DomainCase(
        "kyoto",
        "Introducing new express bus routes, Kyoto hopes to ease overcrowding in the Gion district, where "
        "tourists crowd narrow lanes to photograph geisha. The city will also charge visitors a higher "
        "accommodation tax from March.",
        "travel",
        banned=("introducing", "ease-overcrowding", "hopes", "march"),
        wanted=("kyoto",),
    ),
    DomainCase(
        "zelda",
        "The new Zelda sequel lets players fuse weapons with almost anything they find in Hyrule. Link can "
        "build vehicles from logs and fans, and the final boss fight is the best in the series, though the "
        "frame rate drops on the Nintendo Switch when the screen gets busy.",
        "video-games",
        banned=("lets-players", "broken", "final", "best"),
        wanted=("zelda",),
    ),
    DomainCase(
        "walking",
        "Ten minutes of brisk walking a day cut the risk of early death by a sixth in a study of 30,000 "
        "adults over sixty. Researchers say the benefit held for blood pressure and heart disease even for "
        "people who were otherwise sedentary.",
        None,
        banned=("ten", "sixty", "sixth", "blood", "adults", "day"),
        wanted=("brisk-walking",),
    ),
    DomainCase(
        "premier-league",
        "Manchester City won the Premier League for a fourth successive season after beating West Ham 3-1 "
        "on the final day. Phil Foden scored twice and Erling Haaland's goal record made the striker the "
        "league's top scorer again.",
        "football",
        banned=("city-won", "manchester", "final", "fourth"),
        wanted=("manchester-city", "premier-league"),
    ),
    DomainCase(
        "kubernetes",
        "Kubernetes 1.29 graduates sidecar containers to beta and deprecates the legacy in-tree cloud "
        "providers. Cluster operators should migrate to the external cloud controller managers before "
        "upgrading their control plane.",
        "cloud-computing",
        banned=("deprecates", "graduates", "beta"),
        wanted=("kubernetes", "sidecar-containers"),
    ),
    DomainCase(
        "sourdough",
        "A good sourdough loaf starts with an active starter fed with rye flour. Bake the dough in a "
        "preheated Dutch oven at 250 degrees, covered for twenty minutes so the crust can rise before it "
        "browns.",
        "baking",
        banned=("twenty", "good", "bake", "starts", "sourdough-loaf-starts"),
        wanted=("sourdough-loaf",),
    ),
    DomainCase(
        "postgres",
        "PostgreSQL 17 speeds up vacuum and adds incremental backups. Queries that filter on a B-tree index "
        "with many IN values now run faster, and logical replication slots survive a failover to the "
        "standby server.",
        "databases",
        banned=("speeds", "adds", "many", "faster"),
        wanted=("postgresql",),
    ),
    DomainCase(
        "rust",
        "The Rust compiler team released Rust 1.80 with lazy cells in the standard library. Cargo now "
        "checks the features of every dependency, and the borrow checker accepts more programs that use "
        "async closures.",
        None,
        banned=("released", "accepts", "checks"),
        wanted=("rust",),
    ),
    DomainCase(
        "climate",
        "Global temperatures broke records for the twelfth month in a row, climate scientists reported. "
        "Greenhouse gas emissions from coal and shipping kept rising, and the heat pushed Antarctic sea ice "
        "to its smallest extent.",
        "climate",
        banned=("twelfth", "broke", "month"),
        wanted=("greenhouse-gas-emissions",),
    ),
    DomainCase(
        "bitcoin",
        "Bitcoin rose above 70,000 dollars after regulators approved spot exchange-traded funds. Traders "
        "poured billions into the new ETFs, and the blockchain's transaction fees jumped as miners prepared "
        "for the halving.",
        "cryptocurrency",
        banned=("rose", "billions", "new"),
        wanted=("bitcoin",),
    ),
    DomainCase(
        "concert",
        "Taylor Swift opened the European leg of the Eras Tour in Paris with a three-hour set. Fans sang "
        "along to every song from the new album, and the band added two acoustic surprises each night.",
        "music",
        banned=("opened", "three-hour", "two", "night"),
        wanted=("taylor-swift",),
    ),
    DomainCase(
        "wimbledon",
        "Carlos Alcaraz defended his Wimbledon title, beating Novak Djokovic in straight sets on Centre "
        "Court. The Spaniard broke serve early in every set and hit 14 aces against the seven-time champion.",
        "tennis",
        banned=("beating", "early", "14", "broke"),
        wanted=("carlos-alcaraz",),
    ),
    DomainCase(
        "mars",
        "NASA's Perseverance rover collected a rock sample that may hold signs of ancient microbial life "
        "on Mars. The rover will cache the core in Jezero Crater for a future mission to return to Earth.",
        None,
        banned=("collected", "may", "future", "nasa-perseverance"),
        wanted=("mars",),
    ),
    DomainCase(
        "breach",
        "Hackers exploited a zero-day vulnerability in the file transfer software to steal customer records "
        "from hundreds of companies. Security researchers urged administrators to patch the flaw and rotate "
        "their credentials.",
        "cybersecurity",
        banned=("hundreds", "steal", "exploited"),
        wanted=("zero-day-vulnerability",),
    ),
    DomainCase(
        "espresso",
        "Dial in your espresso by grinding finer until a double shot takes 28 seconds. Fresh beans roasted "
        "two weeks ago give the richest crema; older coffee tastes flat and sour.",
        "coffee",
        banned=("two", "seconds", "weeks", "older", "older-coffee", "richest-crema"),
        wanted=("espresso",),
    ),
    DomainCase(
        "tomatoes",
        "Plant tomatoes after the last frost in a sunny bed with rich compost. Pinch out side shoots every "
        "week, water the roots rather than the leaves, and tie the stems to canes as the plants grow.",
        "gardening",
        banned=("last", "week", "grow"),
        wanted=("tomatoes",),
    ),
    DomainCase(
        "election",
        "The senate election campaign turned on voter turnout in swing states, as both parties spent record "
        "sums on television advertising and the president held rallies in Pennsylvania.",
        "politics",
        banned=("held-rallies", "record"),
        wanted=("voter-turnout",),
        political=True,
    ),
)
