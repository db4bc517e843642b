"""Two help places in Saint-Denis (93200), for the hand-off tests."""

from bot.places import PlaceIndex
from bot.places.model import Place

PLACES = PlaceIndex(
    [
        Place(
            "t",
            "1",
            "Maison de Saint-Denis",
            48.936,
            2.357,
            "1 rue A",
            "",
            "93200",
            "Saint-Denis",
            "01 02 03 04 05",
            origin="test",
        ),
        Place(
            "t",
            "2",
            "Espace Pleyel",
            48.92,
            2.34,
            "2 rue B",
            "",
            "93200",
            "Saint-Denis",
            origin="test",
        ),
    ]
)
