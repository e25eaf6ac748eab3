with

source as (

    select * from {{ source('landing', 'group_memberships') }}

),

renamed as (

    select
        ---------- ids
        member_id,
        group_id,

        ---------- timestamps (UTC)
        joined_at as joined_at_utc,
        left_at as left_at_utc,

        ---------- local dates
        {{ local_date('joined_at') }} as joined_date,
        {{ local_date('left_at') }} as left_date,

        ---------- lineage
        _batch as source_batch,
        _loaded_at as loaded_at

    from source

)

select * from renamed
