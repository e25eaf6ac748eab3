with

source as (

    select * from {{ source('landing', 'quarantine') }}

),

renamed as (

    select
        ---------- where the row came from
        batch as source_batch,
        file as source_file,
        row_number as source_row_number,

        ---------- why it was rejected
        reason_code,
        reason_detail,

        ---------- what it was (PII fields redacted by the loader)
        record_key,
        record as record_json,

        ---------- when
        quarantined_at

    from source

)

select * from renamed
