# Sourced by the scripts: settings from .env, unless the environment already gives them.
if [ -f .env ]; then
  while IFS='=' read -r name value; do
    if [[ "$name" =~ ^[A-Z_][A-Z0-9_]*$ ]] && [ -z "${!name:-}" ]; then
      export "$name=$value"
    fi
  done < .env
fi
