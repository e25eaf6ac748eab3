"""Warning quality: how well each warning and churn score foretold churn (marts.alert_backtest, make backtest).

Per alert and score: lift by cut-off, the scores' AUC trend, the base churn
rate by cut-off, and a pooled summary (precision, recall, lift, AUC) at the
chosen horizon. A warehouse where make backtest has not run gets one line.
"""

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from console import queries, ui
from console.ui import t

if not ui.q(queries.backtest_available):
    st.info(t("quality_not_run"))
    st.stop()
table = ui.q(queries.alert_backtest)
if table.empty:
    st.info(t("no_data"))
    st.stop()


def fmt_date(value) -> str:
    return pd.Timestamp(value).strftime("%Y-%m-%d")


def fmt_ratio(value) -> str:
    return "–" if ui.is_missing(value) else f"{float(value):.2f}"


def name(code: str, name_zh=None) -> str:
    if ui.lang() == "zh" and not ui.is_missing(name_zh):
        return name_zh
    return t(f"quality_alert_{code}")


horizons = sorted(int(h) for h in table["horizon_days"].unique())
horizon = st.radio(t("quality_horizon"), horizons, index=len(horizons) - 1, horizontal=True,
                   key="quality_horizon", format_func=lambda days: t("quality_horizon_days", days=days))
rows = table[table["horizon_days"] == horizon].copy()
rows["name"] = [name(code, zh_name) for code, zh_name in zip(rows["alert_code"], rows["alert_name_zh"], strict=True)]
cutoffs = sorted(rows["cutoff_date"].unique())
st.caption(t("quality_caption", as_of=fmt_date(rows["as_of_date"].iloc[0]), cutoffs=len(cutoffs),
             first=fmt_date(cutoffs[0]), last=fmt_date(cutoffs[-1]), horizon=horizon))

latest = rows[rows["cutoff_date"] == cutoffs[-1]].iloc[0]
scores = rows[rows["is_score"]]
mean_auc = scores.groupby("name")["auc"].mean().dropna()
c1, c2, c3 = st.columns(3)
c1.metric(t("quality_base_rate"), ui.fmt_pct(latest["base_rate"]))
c2.metric(t("quality_population"), ui.fmt_int(latest["population"]))
c3.metric(t("quality_best_auc"), "–" if mean_auc.empty else f"{mean_auc.max():.3f}",
          None if mean_auc.empty else mean_auc.idxmax(), delta_color="off")

fig = go.Figure()
for (_code, is_score), part in rows.groupby(["alert_code", "is_score"]):
    fig.add_trace(go.Scatter(x=part["cutoff_date"], y=part["lift"], mode="lines+markers", name=part["name"].iloc[0],
                             line={"dash": "dot" if is_score else "solid"}))
fig.add_hline(y=1, line={"color": "grey", "dash": "dash"})
fig.update_layout(title=t("quality_lift_title"), height=420)
fig.update_xaxes(title=t("quality_cutoff"))
fig.update_yaxes(title=t("quality_lift"))
ui.chart(fig)

left, right = st.columns(2)
with left:
    fig = go.Figure()
    for _code, part in scores.groupby("alert_code"):
        fig.add_trace(go.Scatter(x=part["cutoff_date"], y=part["auc"], mode="lines+markers", name=part["name"].iloc[0]))
    fig.add_hline(y=0.5, line={"color": "grey", "dash": "dash"})
    fig.update_layout(title=t("quality_auc_title"), height=360)
    fig.update_yaxes(title=t("quality_auc"), range=[0, 1])
    ui.chart(fig)
with right:
    base = rows.drop_duplicates("cutoff_date")
    fig = go.Figure(go.Bar(x=base["cutoff_date"], y=base["base_rate"], name=t("quality_base_rate_axis")))
    fig.update_layout(title=t("quality_base_title"), height=360)
    fig.update_yaxes(title=t("quality_base_rate_axis"), tickformat=".0%")
    ui.chart(fig)

st.subheader(t("quality_table_title"))
pooled = rows.groupby(["alert_code", "name", "is_score"], as_index=False).agg(
    flagged=("flagged", "sum"), flagged_churned=("flagged_churned", "sum"), churned=("churned", "sum"),
    population=("population", "sum"), auc=("auc", "mean"))
pooled["flagged_per_cutoff"] = pooled["flagged"] / len(cutoffs)
pooled["precision"] = (pooled["flagged_churned"] / pooled["flagged"]).where(pooled["flagged"] > 0)
pooled["recall"] = (pooled["flagged_churned"] / pooled["churned"]).where(pooled["churned"] > 0)
base_rate = pooled["churned"] / pooled["population"]
pooled["lift"] = (pooled["precision"] / base_rate).where(base_rate > 0)
pooled["kind"] = [t("quality_kind_score") if s else t("quality_kind_rule") for s in pooled["is_score"]]
shown = pooled.sort_values(["is_score", "lift"], ascending=[True, False])[
    ["name", "kind", "flagged_per_cutoff", "precision", "recall", "lift", "auc"]]
# Shown as text: a missing figure reads "–", never a blank or None.
shown = shown.assign(
    flagged_per_cutoff=shown["flagged_per_cutoff"].map(lambda v: f"{v:,.0f}"),
    precision=shown["precision"].map(ui.fmt_pct), recall=shown["recall"].map(ui.fmt_pct),
    lift=shown["lift"].map(fmt_ratio),
    auc=shown["auc"].map(lambda v: "–" if ui.is_missing(v) else f"{v:.3f}"))
st.dataframe(shown, hide_index=True, width="stretch", column_config={
    "name": t("quality_code"), "kind": t("quality_kind"), "flagged_per_cutoff": t("quality_flagged"),
    "precision": t("quality_precision"), "recall": t("quality_recall"), "lift": t("quality_lift"),
    "auc": t("quality_auc"),
})
