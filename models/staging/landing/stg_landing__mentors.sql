with

source as (

    select * from {{ source('landing', 'mentors') }}

),

renamed as (

    select
        ---------- ids
        mentor_id,

        ---------- text
        mentor_name,

        ---------- timestamps (UTC)
        hired_at as hired_at_utc,
        left_at as left_at_utc,

        ---------- local dates
        {{ local_date('hired_at') }} as hired_date,
        {{ local_date('left_at') }} as left_date,

        ---------- lineage
        _batch as source_batch,
        _loaded_at as loaded_at

    from source

)

select * from renamed
