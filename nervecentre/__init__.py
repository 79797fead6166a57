"""nervecentre: the nerve centre for cyber-crime and anti-trafficking units."""
