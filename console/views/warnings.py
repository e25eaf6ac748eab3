"""Today's task lists: a mentor's ranked list (marts.mentor_tasks), explained in words.

``/warnings?mentor=MT0002`` (and ``&lang=en``) opens that mentor's list. The
download is the file ``make alerts NICKNAME=0`` writes for her (radar.alerts,
exports/alerts/<as_of>/<mentor>_待办.csv), byte for byte: the console shows no PII.
"""

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from console import queries, ui
from console.ui import t

# For the explanation only (the marts' flags are what count): the vars' defaults in dbt_project.yml.
VARS = ui.project_vars()
CAPACITY = VARS.get("mentor_daily_capacity")
MIN_ACTIVE = VARS.get("category_gap_min_active")

summary = ui.q(queries.task_summary)
if summary.empty:
    st.info(t("no_data"))
    st.stop()
ALL = "__all__"
mentor_ids = [m for m in summary["mentor_id"] if not ui.is_missing(m)]
has_no_mentor = bool(summary["mentor_id"].isna().any())
options = [ALL, *mentor_ids] + ([queries.NO_MENTOR] if has_no_mentor else [])
if "warnings_mentor" not in st.session_state:  # deep link: /warnings?mentor=MT0001
    linked = st.query_params.get("mentor")
    st.session_state["warnings_mentor"] = linked if linked in options else ALL
mentor = st.selectbox(t("tasks_mentor"), options, key="warnings_mentor",
                      format_func=lambda v: t("tasks_all_mentors") if v == ALL
                      else t("no_mentor") if v == queries.NO_MENTOR else v)
if mentor == ALL:
    st.query_params.pop("mentor", None)
else:
    st.query_params["mentor"] = mentor

with st.expander(t("tasks_how_title")):
    st.markdown(t("tasks_how", capacity=CAPACITY, min_active=MIN_ACTIVE))
    catalog = ui.q(queries.alert_catalog)
    ui.people_table(pd.DataFrame({
        t("col_alert"): [ui.name("alert", code) for code in catalog["alert_code"]],
        t("col_severity"): [ui.name("severity", s) for s in catalog["severity"]],
        t("col_meaning"): [t(f"alert_help_{code}") for code in catalog["alert_code"]],
    }))


def summary_table(frame: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({
        t("col_mentor"): [t("no_mentor") if ui.is_missing(m) else m for m in frame["mentor_id"]],
        t("tasks_new_warnings"): frame["new_warnings"].map(ui.fmt_int),
        t("tasks_count"): frame["tasks"].map(ui.fmt_int),
        t("tasks_within"): frame["within_capacity"].map(ui.fmt_int),
        t("tasks_over"): frame["over_capacity"].map(ui.fmt_int),
        t("tasks_kept_off"): frame["suppressed"].map(ui.fmt_int),
    })


def task_table(frame: pd.DataFrame) -> pd.DataFrame:
    lang = ui.lang()
    return pd.DataFrame({
        t("col_rank"): frame["task_rank"].map(ui.fmt_int),
        t("col_entity_type"): [ui.name("entity_type", v) for v in frame["entity_type"]],
        t("col_entity_id"): frame["entity_id"],
        # what to do first, then why: the action is in view on a narrow screen
        t("col_action"): frame[f"action_{lang}"],
        t("col_reasons"): frame[f"reasons_{lang}"],
        t("col_message"): frame[f"message_{lang}"],
        t("col_group"): [("–" if ui.is_missing(g) else g) for g in frame["group_id"]],
        t("col_segment"): [ui.name("segment", v) for v in frame["segment"]],
        t("col_stage"): [ui.name("lifecycle_stage", v) for v in frame["lifecycle_stage"]],
        t("col_last_purchase"): frame["last_purchase_date"].map(ui.fmt_date),
        t("col_monetary_30d"): frame["monetary_30d"].map(ui.fmt_money2),
        t("col_churn_risk"): frame["churn_risk"].map(ui.fmt_pct),
    })


if mentor == ALL:
    totals = summary[["new_warnings", "tasks", "within_capacity", "over_capacity", "suppressed"]].sum()
    frame = None
else:
    selected = summary[summary["mentor_id"].isna()] if mentor == queries.NO_MENTOR else \
        summary[summary["mentor_id"] == mentor]
    totals = selected[["new_warnings", "tasks", "within_capacity", "over_capacity", "suppressed"]].sum()
    frame = ui.q(queries.tasks, mentor)

c1, c2, c3, c4 = st.columns(4)
c1.metric(t("tasks_count"), ui.fmt_int(totals["tasks"]))
c2.metric(t("tasks_within"), ui.fmt_int(totals["within_capacity"]))
c3.metric(t("tasks_over"), ui.fmt_int(totals["over_capacity"]))
c4.metric(t("tasks_kept_off"), ui.fmt_int(totals["suppressed"]))

if mentor == ALL:
    st.caption(t("download_hint"))
    st.subheader(t("tasks_title"))
    ui.people_table(summary_table(summary))
    chart_counts = summary.assign(label=[t("no_mentor") if ui.is_missing(m) else m for m in summary["mentor_id"]])
    fig = go.Figure([
        go.Bar(y=chart_counts["label"], x=chart_counts["within_capacity"], orientation="h", name=t("tasks_within"),
               text=chart_counts["within_capacity"], textposition="auto", cliponaxis=False),
        go.Bar(y=chart_counts["label"], x=chart_counts["over_capacity"], orientation="h", name=t("tasks_over"),
               text=chart_counts["over_capacity"], textposition="auto", cliponaxis=False),
    ])
    fig.update_layout(barmode="stack", height=140 + 24 * len(chart_counts), xaxis_title=t("tasks_count"),
                      yaxis={"autorange": "reversed", "type": "category"})
    ui.chart(fig)
    st.stop()

mentor_id = None if mentor == queries.NO_MENTOR else mentor
shown = t("no_mentor") if mentor_id is None else mentor_id
name, data = ui.mentor_task_list(mentor_id)
if data is None:
    st.caption(t("download_none", mentor=shown))
else:
    st.download_button(t("download_mentor", mentor=shown), data=data, file_name=name, mime="text/csv",
                       key="warnings_download")

if frame is None or frame.empty:
    st.info(t("tasks_none", mentor=shown))
    st.stop()

st.subheader(t("tasks_title") + f" · {shown}")
within = frame[frame["within_capacity"]]
ui.people_table(task_table(within))
over = frame[~frame["within_capacity"]]
if not over.empty:
    st.subheader(t("tasks_over_title"))
    ui.people_table(task_table(over))

by_reason = frame.groupby("primary_alert_code", as_index=False).size().sort_values("size")
labels = [ui.name("alert", code) for code in by_reason["primary_alert_code"]]
fig = go.Figure(go.Bar(x=by_reason["size"], y=labels, orientation="h", text=by_reason["size"],
                       textposition="auto", cliponaxis=False))
fig.update_layout(height=120 + 28 * len(by_reason), xaxis_title=t("tasks_count"), title=t("tasks_by_reason"),
                  yaxis={"type": "category"})
ui.chart(fig)
