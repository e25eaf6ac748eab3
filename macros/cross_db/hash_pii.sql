{#- Salted SHA-256 (hex) of a PII value; null stays null. The salt comes from
    the environment variable RADAR_PII_SALT (documented demo default). -#}
{% macro hash_pii(column) -%}
    {{ return(adapter.dispatch('hash_pii', 'retention_radar')(column, env_var('RADAR_PII_SALT', 'radar-demo-salt-change-me'))) }}
{%- endmacro %}

{% macro default__hash_pii(column, salt) -%}
    case when {{ column }} is not null then encode(sha256(convert_to('{{ salt }}' || {{ column }}, 'UTF8')), 'hex') end
{%- endmacro %}

{% macro duckdb__hash_pii(column, salt) -%}
    case when {{ column }} is not null then sha256('{{ salt }}' || {{ column }}) end
{%- endmacro %}

{% macro spark__hash_pii(column, salt) -%}
    case when {{ column }} is not null then sha2(concat('{{ salt }}', {{ column }}), 256) end
{%- endmacro %}
