"""Every SQL statement of the console, in one place.

Pages read mart columns as they are (activity_rate, unit_output, output_index,
retention_rate, k_factor, …): the marts define them. Where a page aggregates
across mart rows — the platform figures of a month over all groups — the SQL
below is the semantic layer's metric definition
(``models/marts/semantic/_semantic__metrics.yml``) written out, ratio of sums
with a null for a zero denominator, and ``pytests/test_console.py`` checks it
against MetricFlow's answer on a built warehouse.

Every function takes an open (read-only) DuckDB connection and returns a
pandas DataFrame. Only the ``marts`` and ``config`` (seed) schemas are read.
"""

from __future__ import annotations

import pandas as pd

#: Relations the console reads; a warehouse lacking one is reported, not queried.
REQUIRED_TABLES = (
    ("marts", "group_health_monthly"),
    ("marts", "group_category_output_monthly"),
    ("marts", "mentor_category_output_monthly"),
    ("marts", "mentor_scorecard_monthly"),
    ("marts", "tenure_activity"),
    ("marts", "cohort_retention_monthly"),
    ("marts", "funnel_monthly"),
    ("marts", "member_segments"),
    ("marts", "member_segment_history"),
    ("marts", "early_warnings"),
    ("marts", "mentor_tasks"),
    ("marts", "mentor_task_summary"),
    ("config", "categories"),
    ("config", "labels"),
    ("config", "alert_catalog"),
    ("config", "rfm_segments"),
)


def _df(con, sql: str, params: list | None = None) -> pd.DataFrame:
    return con.execute(sql, params or []).df()


def missing_tables(con) -> list[str]:
    present = {tuple(row) for row in con.execute(
        "select table_schema, table_name from information_schema.tables").fetchall()}
    return [f"{schema}.{name}" for schema, name in REQUIRED_TABLES if (schema, name) not in present]


def as_of_date(con):
    """The cut-off the marts describe (None in an empty warehouse)."""
    return con.execute("select max(as_of_date) from marts.member_segments").fetchone()[0]


# ----------------------------------------------------------------- platform metrics by month

#: Semantic-layer metrics over group_health_monthly (semantic model group_months):
#: members, active_members, activity_rate, expected_activity_rate, sales,
#: unit_output, graded_groups, failing_groups — grouped by month.
ROSTER_METRICS_SQL = """
select
    month,
    bool_and(is_complete_month) as is_complete_month,
    sum(roster_size) as members,
    sum(active_members) as active_members,
    cast(sum(active_members) as double) / nullif(sum(roster_size), 0) as activity_rate,
    sum(expected_activity_rate * roster_size) / nullif(sum(roster_size), 0) as expected_activity_rate,
    cast(sum(sales) as double) as sales,
    cast(sum(sales) as double) / nullif(sum(active_members), 0) as unit_output,
    sum(case when grade is not null then 1 else 0 end) as graded_groups,
    sum(case when grade = 'fail' then 1 else 0 end) as failing_groups
from marts.group_health_monthly
group by month
"""

#: funnel_monthly is one row per month already: its columns are read as they are.
FUNNEL_SQL = """
select
    month, is_complete_month, new_members, activation_eligible, activated_30d, activation_rate,
    retention_eligible, retained_window_2, retention_rate,
    active_members as platform_active_members, cast(sales as double) as platform_sales,
    arppu, referred_new_members, k_factor
from marts.funnel_monthly
"""


def monthly_metrics(con) -> pd.DataFrame:
    """One row per month: the roster metrics and the funnel columns, oldest first."""
    return _df(con, f"""
        with rosters as ({ROSTER_METRICS_SQL}), funnel as ({FUNNEL_SQL})
        select
            coalesce(funnel.month, rosters.month) as month,
            coalesce(funnel.is_complete_month, rosters.is_complete_month) as is_complete_month,
            rosters.* exclude (month, is_complete_month),
            funnel.* exclude (month, is_complete_month)
        from funnel
        full outer join rosters on funnel.month = rosters.month
        order by 1
    """)


def warning_counts(con) -> pd.DataFrame:
    """Metrics open_warnings and new_warnings (semantic model warnings) by alert code."""
    return _df(con, """
        select alert_code, min(alert_name_zh) as alert_name_zh, severity, min(severity_rank) as severity_rank,
               count(*) as open_warnings,
               sum(case when is_new then 1 else 0 end) as new_warnings
        from marts.early_warnings
        group by alert_code, severity
        order by severity_rank, alert_code
    """)


# ----------------------------------------------------------------- pages

def tenure_curves(con) -> pd.DataFrame:
    return _df(con, """
        select tier, tenure_bucket, windows, active_windows, active_rate, expected_active_rate, delta_pp
        from marts.tenure_activity
        order by tier, tenure_bucket
    """)


def mentors(con) -> list[str]:
    return [row[0] for row in con.execute(
        "select distinct mentor_id from marts.mentor_scorecard_monthly order by 1").fetchall()]


def months(con) -> pd.DataFrame:
    return _df(con, "select month, is_complete_month from marts.funnel_monthly order by month")


def group_grid(con, mentor_id: str | None = None) -> pd.DataFrame:
    """group × month: grade and the figures behind it (group_health_monthly)."""
    return _df(con, """
        select group_id, mentor_id, month, is_complete_month, roster_size, active_members, activity_rate,
               unit_output, activity_uplift_pp, unit_output_uplift_pct, grade, grade_rank, previous_grade
        from marts.group_health_monthly
        where ? is null or mentor_id = ?
        order by group_id, month
    """, [mentor_id, mentor_id])


def group_category_index(con, group_id: str, month) -> pd.DataFrame:
    return _df(con, """
        select output.category_code, categories.name_zh, categories.name_en, output.category_sales,
               output.category_unit_output, output.platform_category_unit_output, output.output_index,
               output.is_gap, output.is_complete_month
        from marts.group_category_output_monthly as output
        inner join config.categories as categories on output.category_code = categories.category_code
        where output.group_id = ? and output.month = ?
        order by output.category_code
    """, [group_id, month])


def category_output(con, level: str, month, mentor_id: str | None = None) -> pd.DataFrame:
    """entity × category output index of one month; level is 'mentor' or 'group'."""
    marts = {"mentor": ("mentor_id", "mentor_category_output_monthly"),
             "group": ("group_id", "group_category_output_monthly")}
    if level not in marts:
        raise ValueError(f"level must be 'mentor' or 'group', not {level!r}")
    entity, mart = marts[level]
    sql = f"""
        select output.{entity} as entity_id, output.category_code, categories.name_zh, categories.name_en,
               output.output_index, output.is_gap, output.is_complete_month
        from marts.{mart} as output
        inner join config.categories as categories on output.category_code = categories.category_code
        where output.month = ? and (? is null or output.mentor_id = ?)
        order by entity_id, output.category_code
    """
    return _df(con, sql, [month, mentor_id, mentor_id])


def cohort_triangle(con) -> pd.DataFrame:
    return _df(con, """
        select cohort_month, months_since_join, activity_month, is_complete_month, cohort_size, active_members,
               retention_rate
        from marts.cohort_retention_monthly
        order by cohort_month, months_since_join
    """)


def funnel(con) -> pd.DataFrame:
    return _df(con, FUNNEL_SQL + " order by month")


#: sentinel for "members in no group" in the mentor filter
NO_MENTOR = "__no_mentor__"


def first_member_id(con) -> str | None:
    row = con.execute("select min(member_id) from marts.member_segments").fetchone()
    return row[0] if row else None


def member(con, member_id: str) -> pd.DataFrame:
    return _df(con, """
        select member_id, tier, join_date, tenure_month, group_id, mentor_id, segment, segment_name_zh,
               segment_rank, lifecycle_stage, previous_segment, recency_days, frequency_30d, monetary_30d,
               purchases_total, sales_total, first_purchase_date, last_purchase_date
        from marts.member_segments
        where upper(member_id) = upper(trim(?))
    """, [member_id])


def member_history(con, member_id: str) -> pd.DataFrame:
    return _df(con, """
        select month_end, segment, segment_name_zh, segment_rank, lifecycle_stage, recency_days, frequency_30d,
               monetary_30d
        from marts.member_segment_history
        where member_id = ?
        order by month_end
    """, [member_id])


# ----------------------------------------------------------------- names from seeds, task lists

def names(con) -> pd.DataFrame:
    """(kind, code, name_zh, name_en) of every code a page shows: alerts, segments, categories,
    lifecycle stages, grades, severities, entity types (seeds alert_catalog, rfm_segments,
    categories, labels)."""
    return _df(con, """
        select 'alert' as kind, alert_code as code, name_zh, name_en from config.alert_catalog
        union all
        select 'segment', segment, name_zh, name_en from config.rfm_segments
        union all
        select 'category', category_code, name_zh, name_en from config.categories
        union all
        select kind, code, name_zh, name_en from config.labels
    """)


def alert_catalog(con) -> pd.DataFrame:
    return _df(con, "select alert_code, severity, severity_rank from config.alert_catalog order by severity_rank, alert_code")


def task_summary(con) -> pd.DataFrame:
    """marts.mentor_task_summary, operations' list (mentor null) first."""
    return _df(con, """
        select mentor_id, new_warnings, tasks, within_capacity, over_capacity, suppressed
        from marts.mentor_task_summary
        order by mentor_id nulls first
    """)


def tasks(con, mentor_id: str | None) -> pd.DataFrame:
    """One mentor's ranked list (NO_MENTOR: operations' list of members in no group)."""
    where = "mentor_id is null" if mentor_id == NO_MENTOR else "mentor_id = ?"
    return _df(con, f"""
        select task_rank, within_capacity, entity_type, entity_id, group_id, primary_alert_code, reasons_zh,
               reasons_en, message_zh, message_en, action_zh, action_en, segment, lifecycle_stage,
               last_purchase_date, monetary_30d, churn_risk, expected_value_90d
        from marts.mentor_tasks
        where {where}
        order by task_rank
    """, [] if mentor_id == NO_MENTOR else [mentor_id])


def member_warnings(con, member_id: str) -> pd.DataFrame:
    """The member's open warnings today, most severe first."""
    return _df(con, """
        select alert_code, severity, severity_rank, message_zh, message_en, action_zh, action_en, is_new,
               is_playbook_suppressed
        from marts.early_warnings
        where entity_type = 'member' and entity_id = ?
        order by severity_rank, alert_code
    """, [member_id])


def member_churn(con, member_id: str) -> pd.DataFrame | None:
    """churn_risk and expected_value_90d of the member, or None while marts.member_churn_risk is not built."""
    present = con.execute("""select count(*) from information_schema.tables
                             where table_schema = 'marts' and table_name = 'member_churn_risk'""").fetchall()[0][0]
    if not present:
        return None
    return _df(con, "select churn_risk, expected_value_90d from marts.member_churn_risk where member_id = ?",
               [member_id])
# ----------------------------------------------------------------- warning quality (make backtest)

def backtest_available(con) -> bool:
    """marts.alert_backtest exists (make backtest has run on this warehouse)."""
    return con.execute("""
        select count(*) > 0 from information_schema.tables
        where table_schema = 'marts' and table_name = 'alert_backtest'
    """).fetchone()[0]


def alert_backtest(con) -> pd.DataFrame:
    """Every row of alert_backtest with the alert's Chinese name from the alert_catalog seed."""
    return _df(con, """
        select backtest.alert_code, catalog.name_zh as alert_name_zh, backtest.cutoff_date,
               backtest.horizon_days, backtest.as_of_date, backtest.is_score, backtest.population,
               backtest.churned, backtest.base_rate, backtest.flagged, backtest.flagged_churned,
               backtest.precision, backtest.recall, backtest.lift, backtest.auc, backtest.score_source
        from marts.alert_backtest as backtest
        left join config.alert_catalog as catalog on backtest.alert_code = catalog.alert_code
        order by backtest.is_score, backtest.alert_code, backtest.cutoff_date, backtest.horizon_days
    """)
