{#- Segment migration between two month ends: one row per (from segment, to
    segment) with the members who moved that way and their share of the from
    segment. Members must have joined by the first month end.
    Pick the months with --vars '{migration_from: 2024-04-30, migration_to: 2024-05-31}';
    by default the last two complete month ends in member_segment_history.
    Compile: dbt compile --select segment_migration_matrix -#}
with

history as (

    select * from {{ ref('member_segment_history') }}

),

month_ends as (

    select distinct month_end from history

),

ranked_month_ends as (

    select
        month_end,
        row_number() over (order by month_end desc) as recency_rank

    from month_ends

),

chosen as (

    select
        {% if var('migration_from', none) is not none -%}
            cast('{{ var("migration_from") }}' as date)
        {%- else -%}
            max(case when recency_rank = 2 then month_end end)
        {%- endif %} as from_month_end,
        {% if var('migration_to', none) is not none -%}
            cast('{{ var("migration_to") }}' as date)
        {%- else -%}
            max(case when recency_rank = 1 then month_end end)
        {%- endif %} as to_month_end

    from ranked_month_ends

),

pairs as (

    select
        chosen.from_month_end,
        chosen.to_month_end,
        from_history.member_id,
        from_history.segment as from_segment,
        from_history.segment_rank as from_segment_rank,
        to_history.segment as to_segment,
        to_history.segment_rank as to_segment_rank

    from chosen
    inner join history as from_history
        on chosen.from_month_end = from_history.month_end
    inner join history as to_history
        on
            chosen.to_month_end = to_history.month_end
            and from_history.member_id = to_history.member_id

),

matrix as (

    select
        from_month_end,
        to_month_end,
        from_segment,
        from_segment_rank,
        to_segment,
        to_segment_rank,
        count(*) as members

    from pairs
    group by 1, 2, 3, 4, 5, 6

),

final as (

    select
        matrix.*,
        case
            when matrix.to_segment_rank < matrix.from_segment_rank then 'up'
            when matrix.to_segment_rank > matrix.from_segment_rank then 'down'
            else 'same'
        end as movement,
        cast(matrix.members as {{ type_double() }})
        / sum(matrix.members) over (partition by matrix.from_segment) as share_of_from_segment

    from matrix

)

select * from final
order by from_segment_rank, to_segment_rank
