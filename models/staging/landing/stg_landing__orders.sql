{#- One row per order as last sent, with its local order date. A view like
    every staging model, and like them one source renamed, no join: the
    order's net amount and purchase flag (SPEC §3) sum its lines, which
    int_orders does, once per build and only for the orders it rebuilds. -#}

with

source as (

    select * from {{ source('landing', 'orders') }}

),

renamed as (

    select
        ---------- ids
        order_id,
        member_id,

        ---------- status
        status,

        ---------- timestamps (UTC)
        ordered_at as ordered_at_utc,

        ---------- local dates
        {{ local_date('ordered_at') }} as order_date,

        ---------- lineage
        _batch as source_batch,
        _loaded_at as loaded_at

    from source

)

select * from renamed
