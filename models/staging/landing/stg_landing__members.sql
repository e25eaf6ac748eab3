with

source as (

    select * from {{ source('landing', 'members') }}

),

renamed as (

    select
        ---------- ids
        member_id,
        referrer_member_id,

        ---------- attributes
        tier,
        province,

        ---------- PII: keyed hashes only, computed by the loader (SPEC §1)
        phone_hash,
        nickname_hash,
        pii_key_id,

        ---------- timestamps (UTC)
        joined_at as joined_at_utc,

        ---------- local dates
        {{ local_date('joined_at') }} as join_date,

        ---------- lineage
        _batch as source_batch,
        _loaded_at as loaded_at

    from source

)

select * from renamed
