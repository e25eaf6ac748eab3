"""Member lookup: a member's current segment and lifecycle stage, and her segment history.

Marts carry no PII; the warehouse holds phone and nickname only as keyed
hashes (the raw values live in the separate PII store, which the console never
opens).
"""

import plotly.graph_objects as go
import streamlit as st

from console import queries, ui
from console.ui import t

example = ui.q(queries.first_member_id)
if example is None:
    st.info(t("no_data"))
    st.stop()

if "members_id" not in st.session_state:
    st.session_state["members_id"] = st.query_params.get("member", example)
member_id = st.text_input(t("member_id"), key="members_id", help=t("member_lookup_hint", example=example)).strip()
found = ui.q(queries.member, member_id)
if found.empty:
    st.warning(t("member_not_found", member=member_id))
    st.stop()

row = found.iloc[0]
segment = row["segment_name_zh"] if ui.lang() == "zh" and not ui.is_missing(row["segment_name_zh"]) else row["segment"]
c1, c2, c3, c4 = st.columns(4)
c1.metric(t("lifecycle_stage"), t(f"stage_{row['lifecycle_stage']}"))
c2.metric(t("segment"), segment)
c3.metric(t("current_group"), row["group_id"] if not ui.is_missing(row["group_id"]) else "–")
c4.metric(t("mentor"), row["mentor_id"] if not ui.is_missing(row["mentor_id"]) else "–")
c1, c2, c3, c4 = st.columns(4)
c1.metric(t("join_date"), str(row["join_date"].date()) if hasattr(row["join_date"], "date") else str(row["join_date"]))
c2.metric(t("recency_days"), ui.fmt_int(row["recency_days"]))
c3.metric(t("frequency_30d"), ui.fmt_int(row["frequency_30d"]))
c4.metric(t("monetary_30d"), ui.fmt_money2(row["monetary_30d"]))

history = ui.q(queries.member_history, member_id)
st.subheader(t("segment_history_title"))
if history.empty:
    st.info(t("no_data"))
else:
    labels = history["segment_name_zh"] if ui.lang() == "zh" else history["segment"]
    fig = go.Figure(go.Scatter(x=history["month_end"], y=history["segment_rank"], mode="lines+markers+text",
                               text=labels, textposition="top center", line={"shape": "hv"}))
    fig.update_yaxes(title=t("segment_rank"), autorange="reversed", dtick=1, range=[9.5, 0.5])
    fig.update_xaxes(title=t("month_end"))
    fig.update_layout(height=360)
    ui.chart(fig)
    st.dataframe(history, hide_index=True, width="stretch")
