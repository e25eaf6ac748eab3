with

source as (

    select * from {{ source('landing', 'order_items') }}

),

renamed as (

    select
        ---------- ids
        order_id,
        line_no,
        sku,
        category_code,

        ---------- numbers
        quantity,
        line_amount,
        refunded_amount,
        cast(line_amount - refunded_amount as decimal(18, 2)) as line_net_amount,

        ---------- lineage
        _batch as source_batch,
        _loaded_at as loaded_at

    from source

)

select * from renamed
