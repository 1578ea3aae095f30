#!/bin/sh
# Write Mosquitto's password and ACL files from the environment, then run the command
# given as arguments (the image's own entrypoint and mosquitto). Runs at every start,
# so changing MQTT_PASSWORD and restarting the container is all a rotation takes, and
# no secret is ever part of the image.
#
#   MQTT_USERNAME            shared account (default: retroboard)
#   MQTT_PASSWORD            its password (required)
#   MQTT_RENDERER_PASSWORD   optional per-service accounts "renderer", "api", "bridge"
#   MQTT_API_PASSWORD        with the narrower rights of the ACL file
#   MQTT_BRIDGE_PASSWORD
#   MOSQUITTO_CONFIG_DIR     where mosquitto.conf expects passwd and acl (tests change it)
set -eu

config_dir="${MOSQUITTO_CONFIG_DIR:-/mosquitto/config}"
template="${MOSQUITTO_ACL_TEMPLATE:-$config_dir/acl.template}"

fail() {
    echo "mosquitto-entrypoint: $*" >&2
    exit 2
}

# balena does not substitute compose's ${NAME:-default}: such a value was not given.
given() {
    case "$1" in
        *'${'*) echo "" ;;
        *) echo "$1" ;;
    esac
}

username="$(given "${MQTT_USERNAME:-}")"
username="${username:-retroboard}"
password="$(given "${MQTT_PASSWORD:-}")"

case "$username" in
    *[!A-Za-z0-9_.-]*) fail "invalid setting MQTT_USERNAME: use letters, digits, '_', '-', '.'" ;;
esac
[ -n "$password" ] || fail "invalid setting MQTT_PASSWORD: required (the broker refuses anonymous clients)"

umask 077
passwd_file="$config_dir/passwd"
mosquitto_passwd -c -b "$passwd_file" "$username" "$password"
for account in renderer api bridge; do
    case "$account" in
        renderer) secret="$(given "${MQTT_RENDERER_PASSWORD:-}")" ;;
        api) secret="$(given "${MQTT_API_PASSWORD:-}")" ;;
        bridge) secret="$(given "${MQTT_BRIDGE_PASSWORD:-}")" ;;
    esac
    if [ -n "$secret" ]; then
        [ "$account" != "$username" ] || fail "invalid setting MQTT_USERNAME: '$account' is reserved"
        mosquitto_passwd -b "$passwd_file" "$account" "$secret"
    fi
done
sed "s/@MQTT_USERNAME@/$username/" "$template" > "$config_dir/acl"

exec "$@"
