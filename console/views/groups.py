"""Group health: group × month grid coloured by grade, mentor filter, drill into one group."""

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
groups = sorted(grid["group_id"].unique(), reverse=True)
month_values = sorted(grid["month"].unique())
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
fig.update_layout(height=max(320, 24 * len(groups) + 160), xaxis={"side": "top", "type": "category"},
                  yaxis={"type": "category"})
ui.chart(fig)

group = st.selectbox(t("drill_group"), sorted(grid["group_id"].unique()), key="groups_drill")
history = grid[grid["group_id"] == group].copy()
st.subheader(t("group_months_title", group=group))
history["grade"] = history["grade"].map(ui.grade_label)
history["previous_grade"] = history["previous_grade"].map(ui.grade_label)
st.dataframe(
    history[["month", "roster_size", "active_members", "activity_rate", "unit_output", "activity_uplift_pp",
             "unit_output_uplift_pct", "grade", "previous_grade"]],
    hide_index=True, width="stretch",
    column_config={
        "month": st.column_config.DateColumn(t("month"), format="YYYY-MM"),
        "roster_size": t("roster_size"), "active_members": t("active_members"),
        "activity_rate": st.column_config.NumberColumn(t("activity_rate"), format="percent"),
        "unit_output": st.column_config.NumberColumn(t("unit_output"), format="%.2f"),
        "activity_uplift_pp": st.column_config.NumberColumn(t("activity_uplift_pp"), format="%.1f"),
        "unit_output_uplift_pct": st.column_config.NumberColumn(t("unit_output_uplift_pct"), format="%.1f"),
        "grade": t("grade"), "previous_grade": t("previous_grade"),
    })

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
        name=t("output_index")))
    fig.add_hline(y=1.0, line_dash="dash", line_color="#636363")
    fig.update_yaxes(title=t("output_index"))
    fig.update_layout(height=360)
    ui.chart(fig)
    st.caption(t("gap_legend"))
