with

source as (

    select * from {{ source('landing', 'groups') }}

),

renamed as (

    select
        ---------- ids
        group_id,
        mentor_id,

        ---------- text
        group_name,

        ---------- timestamps (UTC)
        created_at as created_at_utc,
        closed_at as closed_at_utc,

        ---------- local dates
        {{ local_date('created_at') }} as created_date,
        {{ local_date('closed_at') }} as closed_date,

        ---------- lineage
        _batch as source_batch,
        _loaded_at as loaded_at

    from source

)

select * from renamed
