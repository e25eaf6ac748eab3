"""Member lookup: a member's segment and lifecycle stage, her open warnings with the
recommended action, her churn risk when the churn model is built, and her segment history.

The lookup ignores case and surrounding spaces (``m0000001`` finds ``M0000001``).
Marts carry no PII; the warehouse holds phone and nickname only as keyed
hashes (the raw values live in the separate PII store, which the console never
opens).
"""

import pandas as pd
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
typed = st.text_input(t("member_id"), key="members_id", help=t("member_lookup_hint", example=example)).strip()
found = ui.q(queries.member, typed)
if found.empty:
    st.warning(t("member_not_found", member=typed))
    st.stop()

row = found.iloc[0]
member_id = row["member_id"]
c1, c2, c3, c4 = st.columns(4)
c1.metric(t("lifecycle_stage"), ui.name("lifecycle_stage", row["lifecycle_stage"]))
c2.metric(t("segment"), ui.name("segment", row["segment"]))
c3.metric(t("current_group"), row["group_id"] if not ui.is_missing(row["group_id"]) else "–")
c4.metric(t("mentor"), row["mentor_id"] if not ui.is_missing(row["mentor_id"]) else "–")
c1, c2, c3, c4 = st.columns(4)
c1.metric(t("join_date"), ui.fmt_date(row["join_date"]))
c2.metric(t("recency_days"), ui.fmt_int(row["recency_days"]))
c3.metric(t("frequency_30d"), ui.fmt_int(row["frequency_30d"]))
c4.metric(t("monetary_30d"), ui.fmt_money2(row["monetary_30d"]))

churn = ui.q(queries.member_churn, member_id)
c1, c2, c3, _ = st.columns(4)
c1.metric(t("member_tier"), t("tier_label", tier=row["tier"]))
if churn is None:
    c2.metric(t("member_churn_risk"), "–")
    c3.metric(t("member_expected_value"), "–")
    st.caption(t("member_churn_unavailable"))
elif churn.empty:
    c2.metric(t("member_churn_risk"), t("member_not_scored"))
    c3.metric(t("member_expected_value"), t("member_not_scored"))
else:
    c2.metric(t("member_churn_risk"), ui.fmt_pct(churn.iloc[0]["churn_risk"]))
    c3.metric(t("member_expected_value"), ui.fmt_money2(churn.iloc[0]["expected_value_90d"]))

st.subheader(t("member_open_warnings"))
open_warnings = ui.q(queries.member_warnings, member_id)
if open_warnings.empty:
    st.info(t("member_no_warnings"))
else:
    ui.people_table(pd.DataFrame({
        t("col_alert"): [ui.name("alert", code) for code in open_warnings["alert_code"]],
        t("col_severity"): [ui.name("severity", s) for s in open_warnings["severity"]],
        t("col_message"): [ui.text(r, "message") for _, r in open_warnings.iterrows()],
        t("member_action"): [ui.text(r, "action") for _, r in open_warnings.iterrows()],
        t("col_opened"): [t("opened_new") if new else t("opened_before") for new in open_warnings["is_new"]],
    }))

history = ui.q(queries.member_history, member_id)
st.subheader(t("segment_history_title"))
if history.empty:
    st.info(t("no_data"))
else:
    labels = [ui.name("segment", s) for s in history["segment"]]
    fig = go.Figure(go.Scatter(x=history["month_end"], y=history["segment_rank"], mode="lines+markers+text",
                               text=labels, textposition="top center", line={"shape": "hv"}))
    fig.update_yaxes(title=t("segment_rank"), autorange="reversed", dtick=1, range=[9.5, 0.5])
    fig.update_xaxes(title=t("month_end"))
    fig.update_layout(height=360)
    ui.chart(fig)
    ui.people_table(pd.DataFrame({
        t("month_end"): history["month_end"].map(ui.fmt_date),
        t("segment"): labels,
        t("lifecycle_stage"): [ui.name("lifecycle_stage", s) for s in history["lifecycle_stage"]],
        t("recency_days"): history["recency_days"].map(ui.fmt_int),
        t("frequency_30d"): history["frequency_30d"].map(ui.fmt_int),
        t("monetary_30d"): history["monetary_30d"].map(ui.fmt_money2),
    }))
