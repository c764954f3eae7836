"`python -m lstm_forecast`: the `lstm_forecast` command"
from lstm_forecast.cli import cli
cli()
