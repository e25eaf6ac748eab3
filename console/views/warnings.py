"""Early warnings: the open warnings with filters, counts and the mentor's task-list CSV.

The download is the file ``make alerts`` writes for the mentor
(radar.alerts.export, exports/alerts/<as_of>/<mentor>.csv), byte for byte.
"""

import plotly.graph_objects as go
import streamlit as st

from console import queries, ui
from console.ui import t

values = ui.q(queries.warning_filter_values)
ALL = "__all__"
mentor_options = [ALL, *values["mentor_id"]] + ([queries.NO_MENTOR] if values["has_no_mentor"] else [])
col1, col2, col3, col4 = st.columns([2, 3, 2, 2], vertical_alignment="bottom")
if "warnings_mentor" not in st.session_state:  # deep link: /warnings?mentor=MT0001
    linked = st.query_params.get("mentor")
    st.session_state["warnings_mentor"] = linked if linked in mentor_options else ALL
mentor = col1.selectbox(t("mentor"), mentor_options, key="warnings_mentor",
                        format_func=lambda v: t("all") if v == ALL else t("no_mentor") if v == queries.NO_MENTOR else v)
codes = col2.multiselect(t("filter_alert"), values["alert_code"], key="warnings_alerts", placeholder=t("all"))
severities = col3.multiselect(t("filter_severity"), ["high", "medium", "low"], key="warnings_severity",
                              format_func=lambda v: t(f"severity_{v}"), placeholder=t("all"))
new_only = col4.checkbox(t("filter_new_only"), key="warnings_new_only")

table = ui.q(queries.warnings, mentor_id=None if mentor == ALL else mentor, alert_codes=tuple(codes) or None,
             severities=tuple(severities) or None, new_only=new_only)

c1, c2, c3 = st.columns(3)
c1.metric(t("count_open"), ui.fmt_int(len(table)))
c2.metric(t("count_new"), ui.fmt_int(int(table["is_new"].sum()) if not table.empty else 0))
c3.metric(t("count_high"), ui.fmt_int(int((table["severity"] == "high").sum()) if not table.empty else 0))

if mentor == ALL:
    st.caption(t("download_hint"))
else:
    mentor_id = None if mentor == queries.NO_MENTOR else mentor
    name, data = ui.mentor_task_list(mentor_id)
    shown = t("no_mentor") if mentor_id is None else mentor_id
    if data is None:
        st.caption(t("download_none", mentor=shown))
    else:
        st.download_button(t("download_mentor", mentor=shown), data=data, file_name=name, mime="text/csv",
                           key="warnings_download")

if table.empty:
    st.info(t("no_data"))
    st.stop()

by_code = table.groupby(["alert_code", "alert_name_zh"], as_index=False).size().sort_values("size")
names = by_code["alert_name_zh"] if ui.lang() == "zh" else by_code["alert_code"]
fig = go.Figure(go.Bar(x=by_code["size"], y=names, orientation="h", text=by_code["size"]))
fig.update_layout(height=120 + 28 * len(by_code), xaxis_title=t("warnings_count"), title=t("warnings_title"))
ui.chart(fig)
st.dataframe(table, hide_index=True, width="stretch", column_config={
    "period_month": st.column_config.DateColumn(format="YYYY-MM"),
})
