{#- One row per change the landing brought since the last complete build
    (int_build_state), as a range of months it touches: from_month to
    to_month (null: through the month of as_of_date). int_rebuild_months turns
    the ranges into the months the incremental models rebuild.

    Old versions of re-sent rows come from the previous build's tables
    int_orders, int_members and int_roster_intervals, read before those are
    rebuilt (they depend on this model): a late refund touches the order's
    month, an order moved to another day both months, a membership whose
    left_at changed the months from the earlier of the two end dates on.

    Everything is rebuilt (one range from the first month) on a full refresh,
    on the first build, when an incremental model or the state is missing, or
    when the build fingerprint (model SQL, macros, seeds, vars) changed. -#}
{{ config(materialized='table') }}

{%- set relations = {} -%}
{%- if execute -%}
    {%- for name in ['int_build_state', 'int_orders', 'int_members', 'int_roster_intervals'] -%}
        {%- do relations.update({name: adapter.get_relation(this.database, this.schema, name)}) -%}
    {%- endfor -%}
{%- endif -%}
{%- set ns = namespace(full=flags.FULL_REFRESH or not execute) -%}
{%- for name, relation in relations.items() -%}
    {%- if relation is none -%}{%- set ns.full = true -%}{%- endif -%}
{%- endfor -%}
{%- if execute and not ns.full -%}
    {%- for name in incremental_models() -%}
        {%- set node = graph.nodes.get('model.' ~ project_name ~ '.' ~ name) -%}
        {%- if node is none or adapter.get_relation(node.database, node.schema, node.alias or name) is none -%}
            {%- set ns.full = true -%}
        {%- endif -%}
    {%- endfor -%}
{%- endif %}

-- depends_on: {{ ref('int_run_parameters') }}
-- depends_on: {{ ref('stg_landing__orders') }}
-- depends_on: {{ ref('stg_landing__group_memberships') }}

with

members as (

    select * from {{ ref('stg_landing__members') }}

),

{% if ns.full %}

    changes as (

        select
            'full_rebuild' as change,
            min(cast({{ dbt.date_trunc('month', 'members.join_date') }} as date)) as from_month,
            cast(null as date) as to_month

        from members

    )

{% else %}

parameters as (

    select * from {{ ref('int_run_parameters') }}

),

orders as (

    select * from {{ ref('stg_landing__orders') }}

),

memberships as (

    select * from {{ ref('stg_landing__group_memberships') }}

),

previous_state as (

    select * from {{ relations['int_build_state'] }}

),

previous_orders as (

    select * from {{ relations['int_orders'] }}

),

previous_members as (

    select * from {{ relations['int_members'] }}

),

previous_intervals as (

    select * from {{ relations['int_roster_intervals'] }}

),

changed_orders as (

    select
        orders.order_id,
        orders.order_date

    from orders
    cross join previous_state
    where orders.source_batch > previous_state.loaded_through_batch

),

changed_members as (

    select
        members.member_id,
        members.join_date

    from members
    cross join previous_state
    where members.source_batch > previous_state.loaded_through_batch

),

changed_memberships as (

    select
        memberships.member_id,
        memberships.group_id,
        memberships.joined_at_utc,
        memberships.joined_date,
        memberships.left_date

    from memberships
    cross join previous_state
    where memberships.source_batch > previous_state.loaded_through_batch

),

-- Members on one side of the cut-off only (as_of_date moved): their orders,
-- whatever their date, enter or leave int_orders.
crossed_members as (

    select members.member_id

    from members
    cross join parameters
    cross join previous_state
    where
        members.join_date > least(parameters.as_of_date, previous_state.as_of_date)
        and members.join_date <= greatest(parameters.as_of_date, previous_state.as_of_date)

),

changed_order_dates as (

    select
        'order' as change,
        order_date

    from changed_orders

    union all

    select
        'order_before' as change,
        previous_orders.order_date

    from previous_orders
    inner join changed_orders
        on previous_orders.order_id = changed_orders.order_id

    union all

    select
        'order_cut_off' as change,
        orders.order_date

    from orders
    inner join crossed_members
        on orders.member_id = crossed_members.member_id

),

ranges as (

    -- the definitions changed: rebuild everything
    select
        'fingerprint' as change,
        cast('1900-01-01' as date) as from_month,
        cast(null as date) as to_month

    from previous_state
    where previous_state.config_fingerprint <> '{{ build_fingerprint() }}'

    union all

    -- the cut-off moved: every month from the earlier of the two cut-offs
    select
        'as_of_date' as change,
        cast({{ dbt.date_trunc('month', 'least(parameters.as_of_date, previous_state.as_of_date)') }} as date)
            as from_month,
        cast(null as date) as to_month

    from parameters
    cross join previous_state
    where parameters.as_of_date <> previous_state.as_of_date

    union all

    -- an order or its lines: the month of its date now and before
    select
        change,
        cast({{ dbt.date_trunc('month', 'order_date') }} as date) as from_month,
        cast({{ dbt.date_trunc('month', 'order_date') }} as date) as to_month

    from changed_order_dates

    union all

    -- a member (tier, join date) counts in every month from her join on
    select
        'member' as change,
        cast({{ dbt.date_trunc('month', 'join_date') }} as date) as from_month,
        cast(null as date) as to_month

    from changed_members

    union all

    select
        'member_before' as change,
        previous_members.join_month as from_month,
        cast(null as date) as to_month

    from previous_members
    inner join changed_members
        on previous_members.member_id = changed_members.member_id

    union all

    -- a membership: new, from its start; re-sent (left_at set, moved or
    -- cleared), from the earlier of the old and new end dates
    select
        'membership' as change,
        cast(
            {{ dbt.date_trunc(
                'month',
                "case when previous_intervals.member_id is null then changed_memberships.joined_date
                 else coalesce(least(previous_intervals.end_date, changed_memberships.left_date),
                               previous_intervals.end_date, changed_memberships.left_date,
                               changed_memberships.joined_date) end"
            ) }} as date
        ) as from_month,
        cast(null as date) as to_month

    from changed_memberships
    left join previous_intervals
        on
            changed_memberships.member_id = previous_intervals.member_id
            and changed_memberships.group_id = previous_intervals.group_id
            and changed_memberships.joined_at_utc = previous_intervals.joined_at_utc

),

changes as (

    select
        change,
        from_month,
        to_month

    from ranges
    group by 1, 2, 3

)

{% endif %}

select * from changes
