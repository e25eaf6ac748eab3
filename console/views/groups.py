"""Group health: group × month grid coloured by grade, mentor filter, drill into one group."""

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from console import queries, ui
from console.ui import t

mentor_ids = ui.q(queries.mentors)
if not mentor_ids:
    st.info(t("no_data"))
    st.stop()

ALL = "__all__"
mentor = st.selectbox(t("group_filter_mentor"), [ALL, *mentor_ids], key="groups_mentor",
                      format_func=lambda value: t("all") if value == ALL else value)
grid = ui.q(queries.group_grid, None if mentor == ALL else mentor)

GRADES = ("excellent", "good", "pass", "fail")
COLOURS = {"excellent": "#1a9850", "good": "#91cf60", "pass": "#fee08b", "fail": "#d73027"}

st.subheader(t("groups_title"))
month_values = sorted(grid["month"].unique())
# Worst first: by the grade of the latest complete month (fail, pass, good, excellent, then
# not graded), then by activity rate; the y axis draws its first category at the bottom, so the
# list is reversed to put the worst group on top.
complete_months = sorted(grid.loc[grid["is_complete_month"], "month"].unique())
latest = grid[grid["month"] == complete_months[-1]] if complete_months else grid.iloc[0:0]
rank_of = dict(zip(latest["group_id"], latest["grade_rank"], strict=True))
rate_of = dict(zip(latest["group_id"], latest["activity_rate"], strict=True))


def worst_first(group: str) -> tuple:
    grade_rank = rank_of.get(group)
    rate = rate_of.get(group)
    graded = not ui.is_missing(grade_rank)
    return (0 if graded else 1, -(grade_rank if graded else 0), rate if not ui.is_missing(rate) else 2.0, group)


groups = sorted(grid["group_id"].unique(), key=worst_first)[::-1]
incomplete = set(grid.loc[~grid["is_complete_month"], "month"])
x_labels = [ui.fmt_month(m) + (f" ({t('mtd')})" if m in incomplete else "") for m in month_values]
cells = grid.set_index(["group_id", "month"])
fig = go.Figure()
# one heatmap trace per grade (a discrete colour each) and one for ungraded cells
for grade in (*GRADES, None):
    z, text = [], []
    for group in groups:
        z_row, text_row = [], []
        for month in month_values:
            row = cells.loc[(group, month)] if (group, month) in cells.index else None
            hit = row is not None and (row["grade"] == grade if grade else ui.is_missing(row["grade"]))
            z_row.append(1 if hit else None)
            text_row.append(ui.fmt_pct(row["activity_rate"]) if hit else "")
        z.append(z_row)
        text.append(text_row)
    colour = COLOURS.get(grade, "#d9d9d9")
    fig.add_trace(go.Heatmap(z=z, x=x_labels, y=groups, text=text, texttemplate="%{text}",
                             colorscale=[[0, colour], [1, colour]], showscale=False, xgap=1, ygap=1,
                             name=ui.grade_label(grade), showlegend=True,
                             hovertemplate="%{y} %{x}<br>" + ui.grade_label(grade) + " %{text}<extra></extra>"))
for grade in (*GRADES, None):  # legend entries (heatmaps have none of their own)
    fig.add_trace(go.Scatter(x=[None], y=[None], mode="markers", name=ui.grade_label(grade),
                             marker={"symbol": "square", "size": 12, "color": COLOURS.get(grade, "#d9d9d9")}))
fig.update_traces(showlegend=False, selector={"type": "heatmap"})
fig.update_layout(height=max(320, 24 * len(groups) + 200), xaxis={"side": "bottom", "type": "category"},
                  yaxis={"type": "category"})
st.caption(t("grid_caption"))
ui.chart(fig, legend_on_top=True)

group = st.selectbox(t("drill_group"), sorted(grid["group_id"].unique()), key="groups_drill")
history = grid[grid["group_id"] == group].copy()
st.subheader(t("group_months_title", group=group))


def number(value, digits: int) -> str:
    return "–" if ui.is_missing(value) else f"{float(value):,.{digits}f}"


ui.people_table(pd.DataFrame({
    t("month"): history["month"].map(ui.fmt_month),
    t("roster_size"): history["roster_size"].map(ui.fmt_int),
    t("active_members"): history["active_members"].map(ui.fmt_int),
    t("activity_rate"): history["activity_rate"].map(ui.fmt_pct),
    t("unit_output"): history["unit_output"].map(ui.fmt_money2),
    t("activity_uplift_pp"): history["activity_uplift_pp"].map(lambda v: number(v, 1)),
    t("unit_output_uplift_pct"): history["unit_output_uplift_pct"].map(lambda v: number(v, 1)),
    t("grade"): history["grade"].map(ui.grade_label),
    t("previous_grade"): history["previous_grade"].map(ui.grade_label),
}))

group_months = list(history["month"])
month = st.selectbox(t("month"), group_months[::-1], key="groups_drill_month", format_func=ui.fmt_month)
index = ui.q(queries.group_category_index, group, month)
st.subheader(t("category_index_title", group=group, month=ui.fmt_month(month)))
if index.empty or index["output_index"].isna().all():
    st.info(t("no_data"))
else:
    names = [ui.category_name(row) for _, row in index.iterrows()]
    fig = go.Figure(go.Bar(
        x=names, y=index["output_index"],
        marker={"color": ["#d73027" if gap else "#4575b4" for gap in index["is_gap"]]},
        text=[f"{value:.2f}{' ▼' if gap else ''}" if not ui.is_missing(value) else "–"
              for value, gap in zip(index["output_index"], index["is_gap"], strict=True)],
        # outside the bar, so a zero-height bar still shows its value
        textposition="outside", cliponaxis=False,
        name=t("output_index")))
    fig.add_hline(y=1.0, line_dash="dash", line_color="#636363")
    fig.update_yaxes(title=t("output_index"))
    fig.update_layout(height=360)
    ui.chart(fig)
    st.caption(t("gap_legend"))
