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

        ---------- PII, salted hashes only (SPEC §1)
        {{ hash_pii('phone') }} as phone_hash,
        {{ hash_pii('nickname') }} as nickname_hash,

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
