/** The shape of a rendered compose file, as tests read it back with yaml's parse(). */
export interface ComposeService {
  image: string;
  container_name: string;
  volumes: string[];
  environment: string[];
  env_file?: string[];
  healthcheck: { test: string[]; interval: string; timeout: string; retries: number; start_period: string };
  labels: Record<string, string>;
  restart: string;
  devices?: string[];
  cap_add?: string[];
  networks?: string[];
}

export interface ComposeFile {
  services: Record<string, ComposeService>;
}
