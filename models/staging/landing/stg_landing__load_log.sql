with

source as (

    select * from {{ source('landing', 'load_log') }}

),

renamed as (

    select
        run_id,
        batch as source_batch,
        file as source_file,
        source_path,
        rows_read,
        rows_loaded,
        rows_quarantined,
        ignored_columns,
        loaded_at

    from source

)

select * from renamed
