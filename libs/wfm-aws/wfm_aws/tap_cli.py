"""The base class and command line of both taps: a bad config file, state file or setting is
ONE line naming the file or setting and the fix, exit code 2, no traceback (the traceback
too with ``--log-level debug``).

Hooks into the Singer SDK where it reads its input:

- ``--config``: each file is read as JSON first (file, line and column named when it is not);
- ``--state`` and ``--catalog``: the same, and a state's ``bookmarks`` must be objects;
- the SDK's schema validation: one line per run, each setting named with what it must be;
  a setting the schema does not know is a warning suggesting the closest known name (Meltano
  may pass settings a tap does not declare), never an error;
- the tap's own checks (``check_settings``, offline; ``check_before_sync``, at the start of a
  sync) raise ``ConfigError``; in-process callers get the SDK's ``ConfigValidationError``;
- ``--discover`` validates the config like a run does (the SDK skips validation there);
- the command's ``main``: ConfigError, ConfigValidationError and MissingPermissionError
  become the one line, whether raised while parsing options, discovering or syncing.

``meltano invoke`` and ``meltano run`` pass ``--config <file>`` (and ``--state``,
``--catalog``), which go through the same path; ``--config ENV`` still reads the environment.
"""

from __future__ import annotations

import difflib
import io
import logging
import sys
import typing as t

import click
from jsonschema import ValidationError
from singer_sdk import Tap
from singer_sdk.exceptions import ConfigValidationError
from singer_sdk.plugin_base import SingerCommand
from singer_sdk.typing import DEFAULT_JSONSCHEMA_VALIDATOR

from .errors import ConfigError, MissingPermissionError
from .files import parse_json_object, read_json_object, read_text
from .settings import AwsSettings

EXIT_BAD_INPUT = 2
LOG_LEVELS = ("debug", "info", "warning", "error", "critical")
_TYPE_WORDS = {"integer": "a whole number", "number": "a number", "string": "a string", "boolean": "true or false",
               "array": "a list ([...])", "object": "an object ({...})"}


class WfmTap(Tap):
    """A Singer tap whose configuration and state errors are one clear line (see the module)."""

    #: Settings the tap's own checks name although the schema no longer lists them (a retired
    #: setting gets its own error, not the unknown-setting warning).
    retired_settings: t.ClassVar[frozenset[str]] = frozenset()

    def __init__(self, *args: t.Any, discovering: bool = False, **kwargs: t.Any) -> None:
        try:
            super().__init__(*args, **kwargs)
            if kwargs.get("validate_config", True):
                self.check_settings(self.config)
                if not discovering:  # discovery has no state; its catalog does not depend on it
                    self.check_run()
        except ConfigError as error:
            raise _validation_error(str(error)) from error

    # -- what each tap checks ---------------------------------------------------------------------
    @classmethod
    def check_settings(cls, config: t.Mapping[str, t.Any]) -> None:
        """The tap's own checks beyond the schema, offline (no AWS call, no file written);
        raise ConfigError. Run when the tap is made with validate_config, --discover included."""
        AwsSettings.from_config(config)

    def check_run(self) -> None:
        """Offline checks that need the tap itself (its state, the clock), after check_settings
        and not for --discover; raise ConfigError, log what is only a warning."""

    def check_before_sync(self) -> None:
        """Checks that need AWS or the file system, run when a sync starts, before any stream."""

    @classmethod
    def config_problems(cls, config: t.Mapping[str, t.Any]) -> list[str]:
        """What the tap would refuse in `config`, without making a tap (for wfm-pipeline doctor)."""
        schema = dict(cls.config_jsonschema)
        cls.append_builtin_config(schema)
        problems = schema_problems(schema, config)
        if problems:
            return problems
        try:
            cls.check_settings(config)
        except ConfigError as error:
            return [str(error)]
        return []

    # -- the SDK's hooks ----------------------------------------------------------------------------
    def _validate_config(self, *, raise_errors: bool = True) -> list[str]:
        schema = self.config_jsonschema
        self.append_builtin_config(schema)
        for warning in unknown_setting_warnings(schema, self._config, self.retired_settings):
            self.logger.warning(warning)
        if raise_errors:
            problems = schema_problems(schema, self._config)
            if problems:
                raise _validation_error("; ".join(problems))
        return super()._validate_config(raise_errors=raise_errors)  # fills in the defaults too

    def sync_all(self) -> None:
        try:
            self.check_before_sync()
            super().sync_all()
        except ConfigError as error:
            raise _validation_error(str(error)) from error

    @classmethod
    def invoke(cls, *args: t.Any, **kwargs: t.Any) -> None:  # type: ignore[override]
        try:
            super().invoke(*args, **kwargs)
        except ConfigValidationError as error:
            # The SDK's command would log it over several lines and exit 1: the command's
            # main() says it on one line instead.
            raise ConfigError(one_line(error)) from error

    @classmethod
    def cb_config(cls, ctx: click.Context, param: click.Option, value: tuple[str, ...]) -> t.Any:
        for path in value:
            if path != "ENV":
                read_json_object(path, "config file")
        return super().cb_config(ctx, param, value)

    @classmethod
    def cb_discover(cls, ctx: click.Context, param: click.Option, value: bool) -> None:
        if not value:
            return
        config = ctx.params["config"]
        tap = cls(config=config.config, parse_env_config=config.parse_env, validate_config=True,
                  setup_mapper=False, discovering=True)
        tap.run_discovery()
        ctx.exit()

    @classmethod
    def get_singer_command(cls) -> click.Command:
        command = super().get_singer_command()
        for param in command.params:
            if param.name == "state":
                param.type = JsonObjectFile("state file")
            elif param.name == "catalog":
                param.type = JsonObjectFile("catalog file")
        command.params.append(click.Option(
            ["--log-level"], type=click.Choice(LOG_LEVELS, case_sensitive=False), is_eager=True,
            expose_value=False, callback=_set_log_level,
            help="Log level (debug: with the traceback of a configuration error)."))
        return OneLineErrorCommand(
            name=command.name, callback=command.callback, params=command.params, help=command.help,
            context_settings=command.context_settings, logger=cls.logger)


class OneLineErrorCommand(SingerCommand):
    """The SDK's command, but bad input ends the process with one line and exit code 2."""

    def main(self, args: t.Sequence[str] | None = None, *rest: t.Any, **kwargs: t.Any) -> t.Any:
        # --log-level first, whatever its place: options are parsed in command-line order.
        _set_log_level(None, None, _requested_log_level(sys.argv[1:] if args is None else list(args)))
        try:
            return super().main(args, *rest, **kwargs)
        except (ConfigError, ConfigValidationError, MissingPermissionError) as error:
            if self.logger.isEnabledFor(logging.DEBUG):
                self.logger.debug("The configuration error below, in full:", exc_info=error)
            self.logger.error(one_line(error))
            sys.exit(EXIT_BAD_INPUT)


class JsonObjectFile(click.ParamType):
    """--state / --catalog: a file holding a JSON object, handed on as the open text the SDK reads."""

    name = "file"

    def __init__(self, what: str) -> None:
        self.what = what

    def convert(self, value: t.Any, param: click.Parameter | None, ctx: click.Context | None) -> t.Any:
        if not isinstance(value, str):
            return value  # already converted (a default, a test passing a file)
        text = read_text(value, self.what)
        data = parse_json_object(text, value, self.what)
        if self.what == "state file":
            check_state(data, value)
        return io.StringIO(text)


def check_state(state: t.Mapping[str, t.Any], name: str) -> None:
    """The shape the SDK needs to load a state: bookmarks an object of objects."""
    bookmarks = state.get("bookmarks", {})
    if not isinstance(bookmarks, dict) or not all(isinstance(v, dict) for v in bookmarks.values()):
        raise ConfigError(f"state file {name} is not a Singer state: \"bookmarks\" must map each stream to an "
                          "object; pass a state the tap wrote, or none to start afresh")


def schema_problems(schema: t.Mapping[str, t.Any], config: t.Mapping[str, t.Any]) -> list[str]:
    """Each setting the JSON schema refuses, named, with what it must be."""
    validator = DEFAULT_JSONSCHEMA_VALIDATOR(schema)
    return [_describe(error) for error in sorted(validator.iter_errors(dict(config)), key=lambda e: list(e.path))]


def unknown_setting_warnings(schema: t.Mapping[str, t.Any], config: t.Mapping[str, t.Any],
                             retired: t.Collection[str] = ()) -> list[str]:
    known = list(schema.get("properties", {}))
    warnings = []
    for name in config:
        if name in known or name in retired:
            continue
        close = difflib.get_close_matches(name, known, n=1)
        hint = f"did you mean {close[0]}?" if close else "the tap's settings are listed by --about"
        warnings.append(f"unknown setting {name} (ignored): {hint}")
    return warnings


def one_line(error: BaseException) -> str:
    if isinstance(error, ConfigValidationError) and error.errors:
        text = "; ".join(str(e) for e in error.errors)
    else:
        text = str(error) or type(error).__name__
    return " ".join(text.splitlines())


def _validation_error(line: str) -> ConfigValidationError:
    return ConfigValidationError(line, errors=[line])


def _describe(error: ValidationError) -> str:
    path = list(error.absolute_path)
    name = str(path[0]) + "".join(f"[{p!r}]" for p in path[1:]) if path else "config"
    value = error.instance
    if error.validator == "type":
        expected = error.validator_value if isinstance(error.validator_value, list) else [error.validator_value]
        words = " or ".join(_TYPE_WORDS.get(e, e) for e in expected if e != "null")
        return f"{name} must be {words}, not {value!r}"
    if error.validator == "enum":
        return f"{name} must be one of {', '.join(map(str, error.validator_value))}, not {value!r}"
    if error.validator == "format":
        return f"{name} must be a {error.validator_value} (e.g. 2026-01-31T00:00:00Z), not {value!r}"
    if error.validator == "required" and not path:
        return f"{error.message}: set it"
    return f"{name}: {error.message}"


def _set_log_level(ctx: click.Context | None, param: click.Parameter | None, value: str | None) -> None:
    if value and value.lower() in LOG_LEVELS:
        logging.getLogger().setLevel(value.upper())


def _requested_log_level(args: t.Sequence[str]) -> str | None:
    for i, arg in enumerate(args):
        if arg.startswith("--log-level="):
            return arg.partition("=")[2]
        if arg == "--log-level" and i + 1 < len(args):
            return args[i + 1]
    return None
