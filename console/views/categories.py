"""Categories: mentor (or group) × category heat map of output_index, gaps marked."""

import plotly.graph_objects as go
import streamlit as st

from console import queries, ui
from console.ui import t

months = ui.q(queries.months)
if months.empty:
    st.info(t("no_data"))
    st.stop()

complete = months[months["is_complete_month"]]
default_month = (complete if not complete.empty else months)["month"].iloc[-1]
month_values = list(months["month"])[::-1]
complete_labels = {ui.fmt_month(m) for m in complete["month"]}
left, middle, right = st.columns(3)
month = left.selectbox(t("month"), month_values, index=month_values.index(default_month),
                       key="categories_month",
                       format_func=lambda m: ui.fmt_month(m) + ("" if ui.fmt_month(m) in complete_labels else f" ({t('mtd')})"))
level = middle.radio(t("level"), ("mentor", "group"), key="categories_level", horizontal=True,
                     format_func=lambda value: t(f"level_{value}"))
ALL = "__all__"
mentor = ALL
if level == "group":
    mentor = right.selectbox(t("group_filter_mentor"), [ALL, *ui.q(queries.mentors)], key="categories_mentor",
                             format_func=lambda value: t("all") if value == ALL else value)

output = ui.q(queries.category_output, level, month, None if mentor == ALL else mentor)
st.subheader(t("categories_title"))
if output.empty:
    st.info(t("no_data"))
    st.stop()

codes = list(dict.fromkeys(output["category_code"]))
names = {row["category_code"]: ui.category_name(row) for _, row in output.iterrows()}
entities = sorted(output["entity_id"].unique(), reverse=True)
cells = output.set_index(["entity_id", "category_code"])
z, text = [], []
for entity in entities:
    z_row, text_row = [], []
    for code in codes:
        row = cells.loc[(entity, code)]
        value = None if ui.is_missing(row["output_index"]) else float(row["output_index"])
        z_row.append(value)
        text_row.append("–" if value is None else f"{value:.2f}{' ▼' if row['is_gap'] else ''}")
    z.append(z_row)
    text.append(text_row)
fig = go.Figure(go.Heatmap(
    z=z, x=[names[code] for code in codes], y=entities, text=text, texttemplate="%{text}",
    colorscale="RdBu", zmid=1.0, xgap=1, ygap=1, colorbar={"title": t("output_index")},
    hovertemplate="%{y} · %{x}<br>%{text}<extra></extra>"))
fig.update_layout(height=max(320, 26 * len(entities) + 140), xaxis={"side": "top", "type": "category"},
                  yaxis={"type": "category"})
ui.chart(fig)
st.caption(t("gap_legend"))
