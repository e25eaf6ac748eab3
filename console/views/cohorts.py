"""Cohorts and funnel: the retention triangle; activation, retention and k-factor by month.

Months still running are drawn apart (grey cells, open markers on a dotted
line) so that a figure that is still filling in does not read as a drop.
"""

import plotly.graph_objects as go
import streamlit as st

from console import queries, ui
from console.ui import t

triangle = ui.q(queries.cohort_triangle)
funnel = ui.q(queries.funnel)
if triangle.empty or funnel.empty:
    st.info(t("no_data"))
    st.stop()

st.subheader(t("cohort_title"))
cohorts = sorted(triangle["cohort_month"].unique())
offsets = sorted(int(n) for n in triangle["months_since_join"].unique())
cells = triangle.set_index(["cohort_month", "months_since_join"])
fig = go.Figure()
for done in (True, False):
    z, text = [], []
    for cohort in cohorts:
        z_row, text_row = [], []
        for n in offsets:
            row = cells.loc[(cohort, n)] if (cohort, n) in cells.index else None
            hit = row is not None and bool(row["is_complete_month"]) == done
            z_row.append(float(row["retention_rate"]) if hit else None)
            text_row.append((ui.fmt_pct(row["retention_rate"]) + ("" if done else "*")) if hit else "")
        z.append(z_row)
        text.append(text_row)
    fig.add_trace(go.Heatmap(
        z=z, x=offsets, y=[ui.fmt_month(c) for c in cohorts], text=text, texttemplate="%{text}",
        colorscale="Blues" if done else [[0, "#f0f0f0"], [1, "#bdbdbd"]], zmin=0, zmax=1, xgap=1, ygap=1,
        showscale=done, name=t("complete") if done else t("incomplete"),
        colorbar={"title": t("retention_rate"), "tickformat": ".0%"},
        hovertemplate="%{y} +%{x}: %{text}<extra></extra>"))
fig.update_xaxes(title=t("months_since_join"), dtick=1, side="top")
fig.update_yaxes(title=t("cohort_month"), autorange="reversed", type="category")
fig.update_layout(height=max(360, 26 * len(cohorts) + 140))
ui.chart(fig)
st.caption(t("cohort_caption"))


def split_trace(fig, x, y, mature, name, colour, tickformat=None):
    """Solid line over mature months; dotted, open markers over months still filling in."""
    solid = [value if ok else None for value, ok in zip(y, mature, strict=True)]
    dotted = [None] * len(y)
    for i, ok in enumerate(mature):
        if not ok:
            dotted[i] = y[i]
            if i > 0 and mature[i - 1]:
                dotted[i - 1] = y[i - 1]
    fig.add_trace(go.Scatter(x=x, y=solid, name=name, mode="lines+markers", line={"color": colour}))
    fig.add_trace(go.Scatter(x=x, y=dotted, name=f"{name} ({t('incomplete')})", mode="lines+markers",
                             line={"color": colour, "dash": "dot"},
                             marker={"symbol": "circle-open", "size": 9}))


months = list(funnel["month"])
complete_month = [bool(v) for v in funnel["is_complete_month"]]
activation_mature = [done and eligible == new for done, eligible, new in
                     zip(complete_month, funnel["activation_eligible"], funnel["new_members"], strict=True)]
retention_mature = [done and eligible == activated for done, eligible, activated in
                    zip(complete_month, funnel["retention_eligible"], funnel["activated_30d"], strict=True)]

st.subheader(t("funnel_title"))
fig = go.Figure()
split_trace(fig, months, list(funnel["activation_rate"]), activation_mature, t("activation_rate"), "#2ca02c")
split_trace(fig, months, list(funnel["retention_rate"]), retention_mature, t("window2_retention"), "#9467bd")
fig.update_yaxes(tickformat=".0%", rangemode="tozero")
fig.update_layout(height=360)
ui.chart(fig)

st.subheader(t("kfactor_title"))
fig = go.Figure()
split_trace(fig, months, list(funnel["k_factor"]), complete_month, t("k_factor"), "#8c564b")
fig.update_yaxes(rangemode="tozero")
fig.update_layout(height=300)
ui.chart(fig)
st.caption(t("funnel_caption"))
