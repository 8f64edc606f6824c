"""Rates over time with Reflex's recharts components; thresholds are reference lines."""

from __future__ import annotations

import reflex as rx

PROVIDER_COLORS = {
    "spotify": "#1db954",
    "ticketmaster": "#3b82f6",
    "setlistfm": "#f59e0b",
    "musicbrainz": "#a855f7",
}
_AXIS = {"stroke": "var(--gray-9)", "font_size": 11}
_Y_AXIS_WIDTH = 60  # px: six-digit ticks fit (the calls-per-day target is 100,000)


def _grid() -> rx.Component:
    return rx.recharts.cartesian_grid(stroke_dasharray="3 3", stroke="var(--gray-5)", vertical=False)


def _tooltip() -> rx.Component:
    return rx.recharts.graphing_tooltip(
        content_style={
            "background": "var(--gray-2)",
            "border": "1px solid var(--gray-6)",
            "borderRadius": "8px",
        }
    )


def rate_chart(
    data: rx.Var,
    key: str,
    name: str,
    *,
    color: str,
    threshold: rx.Var | int | None = None,
    threshold_label: str = "",
    class_name: str = "",
    interval: int | str = 9,
    height: int = 200,
) -> rx.Component:
    """A rate over time as an area chart, optionally with a threshold line (the domain extends to
    show it); `interval` is how many x-axis labels to skip."""
    extra = []
    if threshold is not None:
        extra.append(
            rx.recharts.reference_line(
                y=threshold,
                stroke="var(--red-9)",
                stroke_dasharray="6 4",
                if_overflow="extendDomain",
                label=threshold_label,
            )
        )
    return rx.recharts.area_chart(
        _grid(),
        rx.recharts.area(
            data_key=key,
            name=name,
            stroke=color,
            fill=color,
            fill_opacity=0.25,
            type_="monotone",
            is_animation_active=False,
        ),
        rx.recharts.x_axis(data_key="t", interval=interval, **_AXIS),
        rx.recharts.y_axis(allow_decimals=False, width=_Y_AXIS_WIDTH, **_AXIS),
        *extra,
        _tooltip(),
        data=data,
        height=height,
        width="100%",
        class_name=class_name,
    )


def calls_chart(data: rx.Var, pace: dict[str, int], providers: list[str]) -> rx.Component:
    """Provider calls per hour, one bar per provider, with each daily quota's hourly pace."""
    lines = [
        rx.recharts.reference_line(
            y=value,
            stroke=PROVIDER_COLORS.get(name, "gray"),
            stroke_dasharray="6 4",
            if_overflow="extendDomain",
            label=f"{name} quota pace ({value}/h)",
        )
        for name, value in pace.items()
    ]
    return rx.recharts.bar_chart(
        _grid(),
        *[
            rx.recharts.bar(
                data_key=p,
                name=p,
                fill=PROVIDER_COLORS.get(p, "gray"),
                stack_id="calls",
                is_animation_active=False,
            )
            for p in providers
        ],
        rx.recharts.x_axis(data_key="t", interval=2, **_AXIS),
        rx.recharts.y_axis(allow_decimals=False, width=_Y_AXIS_WIDTH, **_AXIS),
        *lines,
        rx.recharts.legend(),
        _tooltip(),
        data=data,
        height=240,
        width="100%",
        class_name="calls-chart",
    )
