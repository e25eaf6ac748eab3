"""Overview: the month's KPIs against the month before, today's new warnings, trends."""

import plotly.graph_objects as go
import streamlit as st
from plotly.subplots import make_subplots

from console import queries, ui
from console.ui import t

metrics = ui.q(queries.monthly_metrics)
if metrics.empty:
    st.info(t("no_data"))
    st.stop()

complete = metrics["is_complete_month"].fillna(False).astype(bool)
month_labels = [ui.fmt_month(m) if done else f"{ui.fmt_month(m)} · {t('mtd')}"
                for m, done in zip(metrics["month"], complete, strict=True)]
# The page opens on the last complete month: a month in progress holds a few days of sales
# and activity, and comparing them with a whole month reads as a collapse on the 1st.
opening = max((i for i in range(len(metrics)) if complete.iloc[i]), default=len(metrics) - 1)
choice = st.selectbox(t("overview_month"), month_labels[::-1], index=len(metrics) - 1 - opening,
                      key="overview_month")
index = month_labels.index(choice)
current = metrics.iloc[index]
previous = metrics.iloc[index - 1] if index > 0 else None
in_progress = not complete.iloc[index]
st.caption(t("overview_caption_mtd" if in_progress else "overview_caption", as_of=ui.q(queries.as_of_date)))


def delta(column: str, kind: str, flow: bool):
    # a month to date is not compared with a whole month on what accrues over the month
    if previous is None or (flow and in_progress) or ui.is_missing(current[column]) \
            or ui.is_missing(previous[column]):
        return None
    change = float(current[column]) - float(previous[column])
    if kind == "pct":
        return f"{change * 100:+.1f} pp"
    if kind == "money":
        return f"{change:+,.0f}"
    return f"{int(change):+,}"


# (field, label, format, delta kind, accrues over the month)
KPIS = (
    ("members", "kpi_members", ui.fmt_int, "int", False),
    ("active_members", "kpi_active_members", ui.fmt_int, "int", True),
    ("activity_rate", "kpi_activity_rate", ui.fmt_pct, "pct", True),
    ("expected_activity_rate", "kpi_expected_activity_rate", ui.fmt_pct, "pct", False),
    ("sales", "kpi_sales", ui.fmt_money, "money", True),
    ("unit_output", "kpi_unit_output", ui.fmt_money, "money", True),
    ("new_members", "kpi_new_members", ui.fmt_int, "int", True),
)
columns = [*st.columns(4), *st.columns(4)]
for column, (field, key, fmt, kind, flow) in zip(columns, KPIS, strict=False):
    column.metric(t(key), fmt(current[field]), delta(field, kind, flow))

# 30-day activation compares complete cohorts only: a month whose new members have not all
# had their 30 days yet is still filling in, so the KPI shows the latest complete cohort up
# to the selected month and compares it with the cohort before.
cohort_complete = (metrics["new_members"] > 0) & (metrics["activation_eligible"] == metrics["new_members"])
complete_index = [i for i in range(index + 1) if cohort_complete.iloc[i]]
if complete_index:
    latest = complete_index[-1]
    before = complete_index[-2] if len(complete_index) > 1 else None
    rate = metrics.iloc[latest]["activation_rate"]
    change = None if before is None or ui.is_missing(rate) or ui.is_missing(metrics.iloc[before]["activation_rate"]) \
        else f"{(float(rate) - float(metrics.iloc[before]['activation_rate'])) * 100:+.1f} pp"
    columns[7].metric(f"{t('kpi_activation_rate')} · {month_labels[latest]}", ui.fmt_pct(rate), change)
else:
    columns[7].metric(t("kpi_activation_rate"), "–")
if not cohort_complete.iloc[index]:
    st.caption(t("activation_complete_caption", month=month_labels[complete_index[-1]] if complete_index else "–")
               + f" {ui.fmt_month(current['month'])}: {t('filling_in')}.")

counts = ui.q(queries.warning_counts)
left, right = st.columns(2)
left.metric(t("kpi_open_warnings"), ui.fmt_int(counts["open_warnings"].sum() if not counts.empty else 0))
right.metric(t("kpi_new_warnings"), ui.fmt_int(counts["new_warnings"].sum() if not counts.empty else 0))

st.subheader(t("new_warnings_by_code"))
new_by_code = counts.groupby("alert_code", as_index=False)["new_warnings"].sum()
new_by_code = new_by_code[new_by_code["new_warnings"] > 0].sort_values("new_warnings")
if new_by_code.empty:
    st.info(t("no_data"))
else:
    names = [ui.name("alert", code) for code in new_by_code["alert_code"]]
    fig = go.Figure(go.Bar(x=new_by_code["new_warnings"], y=names, orientation="h", textposition="auto",
                           text=new_by_code["new_warnings"], name=t("kpi_new_warnings"), cliponaxis=False))
    fig.update_layout(xaxis_title=t("warnings_count"), height=120 + 28 * len(new_by_code))
    ui.chart(fig)

st.subheader(t("trend_title"))
fig = make_subplots(specs=[[{"secondary_y": True}]])
fig.add_trace(go.Bar(
    x=metrics["month"], y=metrics["sales"], name=t("sales"),
    marker={"color": ["#9ecae1" if done else "#deebf7" for done in complete],
            "pattern": {"shape": ["" if done else "/" for done in complete]}},
    hovertext=["" if done else t("mtd") for done in complete],
), secondary_y=True)
# a month still in progress is not joined to the line: a few days' activity
# rate is not a fall; it is an open marker of its own
fig.add_trace(go.Scatter(x=metrics["month"], y=metrics["activity_rate"].where(complete),
                         name=t("activity_rate"), mode="lines+markers", line={"color": "#d62728"}),
              secondary_y=False)
if not complete.all():
    fig.add_trace(go.Scatter(x=metrics["month"][~complete], y=metrics["activity_rate"][~complete],
                             name=f"{t('activity_rate')} · {t('mtd')}", mode="markers",
                             marker={"color": "#d62728", "symbol": "circle-open", "size": 9}),
                  secondary_y=False)
fig.add_trace(go.Scatter(x=metrics["month"], y=metrics["expected_activity_rate"],
                         name=t("expected_activity_rate"), mode="lines",
                         line={"color": "#d62728", "dash": "dash"}), secondary_y=False)
fig.update_yaxes(tickformat=".0%", secondary_y=False, title=t("activity_rate"))
fig.update_yaxes(secondary_y=True, title=t("sales"), showgrid=False)
fig.update_layout(height=380)
ui.chart(fig)
