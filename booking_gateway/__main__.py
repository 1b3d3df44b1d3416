from booking_gateway.cli import main

main()
