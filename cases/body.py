"""The body diagram of a medical examination: a front and a back outline on which each lesion
is marked with its number. One geometry serves the admin's editor (sent to the page as JSON),
the letter PDF and the bundle (drawn here as SVG).

Coordinates are per view, in a frame ``WIDTH`` × ``HEIGHT``; the figure faces the reader on the
front view (the person's right is on the reader's left) and turns its back on the back view."""

from django.utils.html import escape
from django.utils.translation import gettext as _

from cases.choices import BodyRegion, BodySide, BodyView

WIDTH, HEIGHT = 200, 420
MIDLINE = WIDTH // 2
FRONT, BACK = BodyView.FRONT.value, BodyView.BACK.value

# Region -> (y of its centre, distance of its centre from the midline, views it is seen on).
REGIONS: dict[str, tuple[int, int, tuple[str, ...]]] = {
    BodyRegion.HEAD: (20, 0, (FRONT, BACK)),
    BodyRegion.FACE: (40, 0, (FRONT,)),
    BodyRegion.NECK: (64, 0, (FRONT, BACK)),
    BodyRegion.SHOULDER: (80, 33, (FRONT, BACK)),
    BodyRegion.CHEST: (105, 18, (FRONT,)),
    BodyRegion.ABDOMEN: (165, 12, (FRONT,)),
    BodyRegion.UPPER_BACK: (105, 18, (BACK,)),
    BodyRegion.LOWER_BACK: (175, 14, (BACK,)),
    BodyRegion.BUTTOCKS: (222, 17, (BACK,)),
    BodyRegion.GENITALS: (232, 0, (FRONT,)),
    BodyRegion.UPPER_ARM: (118, 47, (FRONT, BACK)),
    BodyRegion.ELBOW: (158, 52, (FRONT, BACK)),
    BodyRegion.FOREARM: (192, 57, (FRONT, BACK)),
    BodyRegion.WRIST: (226, 62, (FRONT, BACK)),
    BodyRegion.HAND: (248, 65, (FRONT, BACK)),
    BodyRegion.THIGH: (282, 20, (FRONT, BACK)),
    BodyRegion.KNEE: (322, 20, (FRONT, BACK)),
    BodyRegion.LOWER_LEG: (360, 20, (FRONT, BACK)),
    BodyRegion.ANKLE: (394, 20, (FRONT, BACK)),
    BodyRegion.FOOT: (408, 22, (FRONT,)),
    BodyRegion.SOLE: (408, 22, (BACK,)),
}

# The outline, the same for both views (a figure of the average build, arms away from the body).
OUTLINE = (
    '<circle cx="100" cy="32" r="22"/>'
    '<path d="M90 54 L90 70 L110 70 L110 54"/>'
    '<path d="M62 74 Q100 66 138 74 L142 120 L134 200 L136 236 L64 236 L66 200 L58 120 Z"/>'
    '<path d="M62 76 L44 160 L34 236 L42 238 L54 164 L66 112"/>'
    '<path d="M138 76 L156 160 L166 236 L158 238 L146 164 L134 112"/>'
    '<ellipse cx="36" cy="250" rx="8" ry="13"/><ellipse cx="164" cy="250" rx="8" ry="13"/>'
    '<path d="M66 236 L72 330 L74 400 L90 400 L92 330 L98 240"/>'
    '<path d="M134 236 L128 330 L126 400 L110 400 L108 330 L102 240"/>'
    '<ellipse cx="80" cy="408" rx="12" ry="6"/><ellipse cx="120" cy="408" rx="12" ry="6"/>'
)


def views_of(region: str) -> tuple[str, ...]:
    return REGIONS[region][2] if region in REGIONS else (FRONT, BACK)


def _x(dx: int, side: str, view: str) -> int:
    # The person's right is on the reader's left on the front view, on the right on the back.
    right = MIDLINE - dx if view == FRONT else MIDLINE + dx
    left = 2 * MIDLINE - right
    return left if side == BodySide.LEFT else right if side == BodySide.RIGHT else MIDLINE


def centre(region: str, side: str, view: str | None = None) -> tuple[str, int, int]:
    """The view and centre of a region on one side of the body."""
    y, dx, views = REGIONS.get(region, (HEIGHT // 2, 0, (FRONT,)))
    view = view if view in views else views[0]
    side_for_x: str = side
    if side in (BodySide.MIDLINE, BodySide.BOTH):
        side_for_x = BodySide.RIGHT if dx and side == BodySide.BOTH else BodySide.MIDLINE
    return view, _x(dx, side_for_x, view), y


def marks_of(lesion) -> list[tuple[str, int, int]]:
    """The marks of a lesion: one, or one on each side for a lesion on both sides placed at the
    region's centre."""
    view, x, y = lesion.mark()
    if lesion.x is None and lesion.side == BodySide.BOTH and REGIONS.get(lesion.region, (0, 0))[1]:
        return [(view, x, y), (view, 2 * MIDLINE - x, y)]
    return [(view, x, y)]


def geometry() -> dict:
    """What the admin's editor needs to draw and place marks (sent as JSON)."""
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "regions": {str(code): [y, dx, list(views)] for code, (y, dx, views) in REGIONS.items()},
    }


def svg(lesions, *, element_id: str = "") -> str:
    """Both views side by side with each lesion's numbered mark: inline SVG for a page or a
    PDF. ``lesions`` need ``number``, ``region``, ``side``, ``view``, ``x``, ``y`` and
    ``mark()``."""
    gap = 20
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {2 * WIDTH + gap} {HEIGHT + 30}" '
        f'class="body-diagram" role="img"'
        + (f' id="{escape(element_id)}"' if element_id else "")
        + f' aria-label="{escape(_("Body diagram"))}">'
    ]
    for offset, view, label in ((0, FRONT, _("Front")), (WIDTH + gap, BACK, _("Back"))):
        parts.append(f'<g transform="translate({offset} 0)" data-view="{view}">')
        parts.append(
            f'<text x="{MIDLINE}" y="{HEIGHT + 22}" text-anchor="middle" '
            f'font-size="14">{escape(label)}</text>'
        )
        parts.append(
            f'<g class="outline" fill="#f4f4f4" stroke="#555" stroke-width="1.5">{OUTLINE}</g>'
        )
        for lesion in lesions:
            for mark_view, x, y in marks_of(lesion):
                if mark_view != view:
                    continue
                parts.append(
                    f'<g class="mark"><circle cx="{x}" cy="{y}" r="8" fill="#b00020"/>'
                    f'<text x="{x}" y="{y + 4}" text-anchor="middle" font-size="10" '
                    f'fill="#fff" font-weight="bold">{lesion.number}</text></g>'
                )
        parts.append("</g>")
    parts.append("</svg>")
    return "".join(parts)
